import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  type Message,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import {
  createRateLimitedWarning,
  type Logger,
  type OutageReport,
  type QueueReceiver,
  type RateLimitedWarning,
} from '@worldkit/core';
import { exponentialBackoff } from '@worldkit/provider';
import type { ResolvedSqsSettings } from '../settings.js';
import { DeleteBatcher } from './delete-batcher.js';
import { type DeliveryPlan, hasFollowUp, planDelivery, storeFollowUp } from './delivery-plan.js';
import type { SqsQueueAddresses } from './queue-setup.js';
import { SlotPool } from './slot-pool.js';
import type { SqsConnection } from './sqs-connection.js';
import { reportedSqsCall, SqsUnreachableError } from './sqs-outage.js';
import { StoredFollowUps } from './stored-follow-ups.js';

/** SQS returns at most 10 messages per receive. */
const SQS_MAX_BATCH = 10;
/**
 * Waits between failed receives of one poller: quick at first (a blip is over soon), then
 * capped at 5 s, so work resumes within 5 s of the endpoint coming back while a long outage
 * costs one request per poller every 5 s (12 a minute: negligible next to a tight loop, and
 * cents next to a stalled queue).
 */
const POLL_ERROR_BACKOFF_MS = [250, 1_000, 2_000, 5_000];
/** Longest hand-back after a failed delivery (SQS allows up to 12 h; we retry sooner). */
const MAX_RETRY_VISIBILITY_SECONDS = 900;

export interface PollConsumerSettings {
  connection: SqsConnection;
  addresses: SqsQueueAddresses;
  receiver: QueueReceiver;
  settings: ResolvedSqsSettings;
  logger: Logger;
  /** The queue's outage report: every SQS call here reports to it, instead of logging itself. */
  outage: OutageReport;
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
  /** Deletes of settled messages, batched per event-loop turn. */
  readonly #deletes: DeleteBatcher;
  #loops: Promise<void>[] = [];
  /** Deliveries running now (slots also count messages being received). */
  readonly #inFlight = new Set<Promise<void>>();
  #stopping = false;

  constructor(private readonly options: PollConsumerSettings) {
    this.#pool = new SlotPool(options.settings.concurrency);
    this.#deletes = new DeleteBatcher(() => options.connection.client, options.addresses.queueUrl);
    this.#visibilityRefused = createRateLimitedWarning(
      options.logger,
      'could not extend an SQS message visibility; it may be delivered twice',
    );
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
    const { connection, addresses, settings, outage } = this.options;
    let failures = 0;
    while (!this.#stopping) {
      const slots = await this.#pool.take(SQS_MAX_BATCH);
      if (slots === 0) break;
      let messages: Message[];
      const receiveStartedAt = Date.now();
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
        outage.succeeded(receiveStartedAt);
        messages = result.Messages ?? [];
        failures = 0;
      } catch (error) {
        this.#pool.give(slots);
        if (this.#stopping) break;
        // Whatever stops a receive (unreachable, throttled, denied) stops the whole queue, so
        // it is the queue's outage: one warning, then debug lines until a receive succeeds.
        outage.failed('receive', error);
        const wait = POLL_ERROR_BACKOFF_MS[Math.min(failures++, POLL_ERROR_BACKOFF_MS.length - 1)];
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
    const { receiver } = this.options;
    const hold = this.#keepHidden(message);
    try {
      await this.#settle(message, await planDelivery(receiver, message.Body), hold);
    } catch (error) {
      await this.#handOutLater(message, error);
    } finally {
      hold.stop();
    }
  }

  /**
   * Stores the follow-up (redelivery or dead letter), then deletes the delivered message. The
   * follow-up continues the message's chain only if this consumer still holds the message: a
   * message whose visibility lapsed and that was received again (by another process too) has a
   * newer receipt handle, and SQS refuses a visibility change with ours. Without this check
   * both receivers would send a follow-up, forking the chain into two.
   */
  async #settle(message: Message, plan: DeliveryPlan, hold: Hold): Promise<void> {
    const { connection, addresses, outage, settings } = this.options;
    const client = connection.client;
    // A message received again after its follow-up was stored (its delete failed) must not
    // store a second redelivery: that would fork the message into two chains. An ack stores
    // nothing, and must not count as an SQS call that succeeded.
    if (hasFollowUp(plan) && !this.#followUps.has(message.MessageId)) {
      // Confirms the hold and renews it for a whole timeout, which covers the send and delete.
      const held =
        !hold.lost &&
        (await reportedSqsCall(outage, 'confirm receipt', () =>
          client.send(
            new ChangeMessageVisibilityCommand({
              QueueUrl: addresses.queueUrl,
              ReceiptHandle: message.ReceiptHandle,
              VisibilityTimeout: settings.visibilityTimeoutSeconds,
            }),
          ),
        ).then(
          () => true,
          (error: unknown) => {
            if (isStaleReceipt(error)) return false;
            throw error;
          },
        ));
      if (!held) {
        this.options.logger.debug(
          'an SQS message was received again while its delivery ran; the newer receive continues it',
          { messageId: message.MessageId, outcome: plan.type },
        );
        return;
      }
      await reportedSqsCall(outage, 'store follow-up', () =>
        storeFollowUp(client, addresses, plan, {
          body: message.Body,
          messageId: message.MessageId,
        }),
      );
      this.#followUps.add(message.MessageId);
    }
    await reportedSqsCall(outage, 'delete', () =>
      this.#deletes.delete(message.ReceiptHandle as string),
    );
    this.#followUps.delete(message.MessageId);
    this.options.onSettled(plan);
  }

  /**
   * Leaves a message whose delivery did not finish for SQS to hand out again, after a backoff
   * that grows with its receives. A failure of this message (its receiver threw, SQS refused
   * one of its calls) is logged here; SQS being unreachable was counted by the outage report.
   */
  async #handOutLater(message: Message, error: unknown): Promise<void> {
    const { connection, addresses, logger, settings, outage } = this.options;
    const receives = Number(message.Attributes?.ApproximateReceiveCount ?? 1);
    // 2^receives seconds: 2 s after the first receive, doubling up to the cap.
    const retryInSeconds = exponentialBackoff(receives + 1, {
      base: 1,
      max: MAX_RETRY_VISIBILITY_SECONDS,
    });
    if (!(error instanceof SqsUnreachableError)) {
      logger.error('an SQS delivery failed; SQS hands the message out again', {
        messageId: message.MessageId,
        receives,
        maxReceiveCount: settings.maxReceiveCount,
        retryInSeconds,
        error: errorMessage(error),
      });
    }
    // After maxReceiveCount receives SQS moves it to the dead-letter queue itself. If this call
    // fails too, the message reappears after its visibility timeout anyway.
    await reportedSqsCall(outage, 'change visibility', () =>
      connection.client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: addresses.queueUrl,
          ReceiptHandle: message.ReceiptHandle,
          VisibilityTimeout: retryInSeconds,
        }),
      ),
    ).catch(() => undefined);
  }

  /**
   * SQS refused to extend a message's visibility for another reason than the message being
   * gone from this consumer (e.g. access denied): it may then be handled twice, which the
   * World's duplicate rules make harmless. Rate-limited, as it tends to hit every message in
   * flight at once.
   */
  readonly #visibilityRefused: RateLimitedWarning;

  /**
   * Extends the message's visibility every third of the timeout while its handler runs. A
   * refusal because the receipt handle is stale — the message was deleted (a tick racing the
   * delete) or its visibility lapsed and it was received again — is expected: a debug line,
   * the hold is marked lost and the extensions stop (they cannot succeed any more).
   */
  #keepHidden(message: Message): Hold {
    const { connection, addresses, settings, outage, logger } = this.options;
    let stopped = false;
    const hold: Hold = {
      lost: false,
      stop: () => {
        stopped = true;
        clearInterval(timer);
      },
    };
    const timer = setInterval(
      () => {
        reportedSqsCall(outage, 'extend visibility', () =>
          connection.client.send(
            new ChangeMessageVisibilityCommand({
              QueueUrl: addresses.queueUrl,
              ReceiptHandle: message.ReceiptHandle,
              VisibilityTimeout: settings.visibilityTimeoutSeconds,
            }),
          ),
        ).catch((error) => {
          if (error instanceof SqsUnreachableError) return;
          if (isStaleReceipt(error)) {
            if (!stopped) {
              hold.lost = true;
              logger.debug('an SQS message is no longer held by this consumer', {
                messageId: message.MessageId,
                error: errorMessage(error),
              });
            }
            hold.stop();
            return;
          }
          if (stopped) return;
          this.#visibilityRefused.warn({
            messageId: message.MessageId,
            error: errorMessage(error),
          });
        });
      },
      (settings.visibilityTimeoutSeconds * 1000) / 3,
    );
    timer.unref();
    return hold;
  }

  /** Makes messages received while stopping visible again at once, for another consumer. */
  async #handBack(messages: Message[]): Promise<void> {
    if (messages.length === 0) return;
    const { connection, addresses, outage } = this.options;
    await reportedSqsCall(outage, 'hand back', () =>
      connection.client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: addresses.queueUrl,
          Entries: messages.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle!,
            VisibilityTimeout: 0,
          })),
        }),
      ),
    )
      // They reappear after the visibility timeout anyway.
      .catch(() => undefined);
  }
}

/** This consumer's hold on a received message. */
interface Hold {
  /** SQS refused its receipt handle as stale: the message was deleted or received again. */
  lost: boolean;
  stop(): void;
}

/**
 * SQS refusing a receipt handle because it no longer designates a message in flight: the
 * message was deleted, or its visibility lapsed (and it was received again with a new handle).
 */
export function isStaleReceipt(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'MessageNotInflight' || name === 'ReceiptHandleIsInvalid') return true;
  // AWS's query-protocol answer: InvalidParameterValue "... parameter ReceiptHandle is invalid.
  // Reason: Message does not exist or is not available for visibility timeout change."
  return (
    typeof name === 'string' &&
    name.startsWith('InvalidParameterValue') &&
    /ReceiptHandle|not available for visibility timeout change/i.test(errorMessage(error))
  );
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
