import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import type { Logger, QueueReceiver } from '@worldkit/core';
import type { ResolvedSqsSettings } from '../settings.js';
import { type DeliveryPlan, planDelivery, storeFollowUp } from './delivery-plan.js';
import type { SqsQueueAddresses } from './queue-setup.js';
import { SlotPool } from './slot-pool.js';
import type { SqsConnection } from './sqs-connection.js';
import { StoredFollowUps } from './stored-follow-ups.js';

/** SQS returns at most 10 messages per receive. */
const SQS_MAX_BATCH = 10;
const POLL_ERROR_BACKOFF_MS = [250, 1_000, 5_000, 15_000, 30_000];
/** Longest hand-back after a failed delivery (SQS allows up to 12 h; we retry sooner). */
const MAX_RETRY_VISIBILITY_SECONDS = 900;

export interface PollConsumerSettings {
  connection: SqsConnection;
  addresses: SqsQueueAddresses;
  receiver: QueueReceiver;
  settings: ResolvedSqsSettings;
  logger: Logger;
  /** Called once a delivery's outcome is stored and its message deleted. */
  onSettled(plan: DeliveryPlan): void;
}

/**
 * Long-polls the queue with `pollers` concurrent receives and runs at most `concurrency`
 * deliveries at once; a message stays hidden while its handler runs (its visibility is
 * extended every third of the timeout).
 *
 * Stopping never aborts a long poll: SQS (and fauxqs) would still hand messages to the
 * abandoned request and hide them for the whole visibility timeout. Instead, polls in
 * progress finish in the background and hand back whatever they receive at once.
 */
export class PollConsumer {
  readonly #pool: SlotPool;
  readonly #followUps = new StoredFollowUps();
  #loops: Promise<void>[] = [];
  /** Deliveries running now (slots also count messages being received). */
  readonly #inFlight = new Set<Promise<void>>();
  #stopping = false;

  constructor(private readonly options: PollConsumerSettings) {
    this.#pool = new SlotPool(options.settings.concurrency);
  }

  start(): void {
    for (let index = 0; index < this.options.settings.pollers; index++) {
      this.#loops.push(this.#poll());
    }
  }

  /** Stops receiving and waits up to `timeoutMs` for deliveries in flight; true if they all ended. */
  async stop(timeoutMs: number): Promise<boolean> {
    this.#stopping = true;
    this.#pool.close();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([this.#deliveriesEnded().then(() => true), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves when every poll and delivery has ended (after `stop`), so the client can go. */
  async settled(): Promise<void> {
    await Promise.all(this.#loops);
    await this.#deliveriesEnded();
  }

  async #deliveriesEnded(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
  }

  async #poll(): Promise<void> {
    const { connection, addresses, settings, logger } = this.options;
    let failures = 0;
    while (!this.#stopping) {
      const slots = await this.#pool.take(SQS_MAX_BATCH);
      if (slots === 0) break;
      let messages: Message[];
      try {
        const result = await connection.client.send(
          new ReceiveMessageCommand({
            QueueUrl: addresses.queueUrl,
            MaxNumberOfMessages: slots,
            WaitTimeSeconds: settings.waitTimeSeconds,
            VisibilityTimeout: settings.visibilityTimeoutSeconds,
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          }),
        );
        messages = result.Messages ?? [];
        failures = 0;
      } catch (error) {
        this.#pool.give(slots);
        if (this.#stopping) break;
        const wait = POLL_ERROR_BACKOFF_MS[Math.min(failures++, POLL_ERROR_BACKOFF_MS.length - 1)];
        logger.warn('could not receive from SQS; retrying', {
          queueUrl: addresses.queueUrl,
          error: errorMessage(error),
          retryInMs: wait,
        });
        await new Promise((resolve) => setTimeout(resolve, wait));
        continue;
      }
      this.#pool.give(slots - messages.length);
      if (this.#stopping) {
        await this.#handBack(messages);
        this.#pool.give(messages.length);
        break;
      }
      for (const message of messages) {
        const delivery = this.#deliver(message).finally(() => {
          this.#inFlight.delete(delivery);
          this.#pool.give(1);
        });
        this.#inFlight.add(delivery);
      }
    }
  }

  async #deliver(message: Message): Promise<void> {
    const { connection, addresses, receiver, logger, settings } = this.options;
    const client = connection.client;
    const stopHeartbeat = this.#keepHidden(message);
    try {
      const plan = await planDelivery(receiver, message.Body);
      // A message received again after its follow-up was stored (its delete failed) must not
      // store a second redelivery: that would fork the message into two chains.
      if (!this.#followUps.has(message.MessageId)) {
        await storeFollowUp(client, addresses, plan, {
          body: message.Body,
          messageId: message.MessageId,
        });
        this.#followUps.add(message.MessageId);
      }
      await client.send(
        new DeleteMessageCommand({
          QueueUrl: addresses.queueUrl,
          ReceiptHandle: message.ReceiptHandle,
        }),
      );
      this.#followUps.delete(message.MessageId);
      this.options.onSettled(plan);
    } catch (error) {
      const receives = Number(message.Attributes?.ApproximateReceiveCount ?? 1);
      const retryInSeconds = Math.min(2 ** receives, MAX_RETRY_VISIBILITY_SECONDS);
      logger.error('an SQS delivery failed; SQS hands the message out again', {
        messageId: message.MessageId,
        receives,
        maxReceiveCount: settings.maxReceiveCount,
        retryInSeconds,
        error: errorMessage(error),
      });
      // After maxReceiveCount receives SQS moves it to the dead-letter queue itself.
      await client
        .send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: addresses.queueUrl,
            ReceiptHandle: message.ReceiptHandle,
            VisibilityTimeout: retryInSeconds,
          }),
        )
        .catch(() => undefined);
    } finally {
      stopHeartbeat();
    }
  }

  /** Extends the message's visibility while its handler runs; returns the stopper. */
  #keepHidden(message: Message): () => void {
    const { connection, addresses, settings, logger } = this.options;
    const timer = setInterval(
      () => {
        connection.client
          .send(
            new ChangeMessageVisibilityCommand({
              QueueUrl: addresses.queueUrl,
              ReceiptHandle: message.ReceiptHandle,
              VisibilityTimeout: settings.visibilityTimeoutSeconds,
            }),
          )
          .catch((error) =>
            logger.warn('could not extend an SQS message visibility; it may be delivered twice', {
              messageId: message.MessageId,
              error: errorMessage(error),
            }),
          );
      },
      (settings.visibilityTimeoutSeconds * 1000) / 3,
    );
    timer.unref();
    return () => clearInterval(timer);
  }

  /** Makes messages received while stopping visible again at once, for another consumer. */
  async #handBack(messages: Message[]): Promise<void> {
    if (messages.length === 0) return;
    const { connection, addresses } = this.options;
    await connection.client
      .send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: addresses.queueUrl,
          Entries: messages.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle!,
            VisibilityTimeout: 0,
          })),
        }),
      )
      // They reappear after the visibility timeout anyway.
      .catch(() => undefined);
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
