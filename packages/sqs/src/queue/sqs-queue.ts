import {
  createConsoleLogger,
  type QueueEnvelope,
  type QueueReceiver,
  type QueueTransport,
} from '@worldkit/core';
import {
  PACKAGE_NAME,
  type ResolvedSqsSettings,
  resolveSqsSettings,
  type SqsQueueSettings,
} from '../settings.js';
import { peekDeadLetters } from './dead-letter-queue.js';
import {
  type DeliveryPlan,
  hasFollowUp,
  planDelivery,
  sqsDelaySeconds,
  storeFollowUp,
} from './delivery-plan.js';
import { IdempotencyWindow } from './idempotency-window.js';
import { encodeBody } from './message-body.js';
import { errorMessage, PollConsumer } from './poll-consumer.js';
import type { SqsQueueAddresses } from './queue-setup.js';
import { SendBatcher } from './send-batcher.js';
import { SlotPool } from './slot-pool.js';
import { SqsConnection } from './sqs-connection.js';
import { createSqsOutageReport, reportedSqsCall, SqsUnreachableError } from './sqs-outage.js';

/**
 * The parts of an SQS event record the transport reads; `SQSRecord` from `@types/aws-lambda`
 * fits it (declared here so users need not install those types).
 */
export interface SqsEventRecord {
  messageId: string;
  body: string;
}

/** Lambda's partial batch response: the records to hand out again. */
export interface SqsBatchResponse {
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

/** The SQS transport: a queue transport, plus what the Lambda handler and operators need. */
export interface SqsQueueTransport extends QueueTransport {
  /** Whether `consume()` long-polls (false when an SQS event source delivers, e.g. Lambda). */
  readonly polls: boolean;
  /**
   * Prepares the queue and its dead-letter queue now, whatever the `setup` option says
   * (`worldkit setup` calls it): creates what is missing, and with `setup: true` and a queue
   * name also converges both queues' attributes. Idempotent. Returns their URLs.
   */
  setup(): Promise<SqsQueueAddresses>;
  /**
   * Handles records delivered by an SQS event source (AWS Lambda) with the receiver given to
   * `consume()`; returns the records to report as failed (partial batch response).
   */
  handleRecords(records: SqsEventRecord[]): Promise<SqsBatchResponse>;
}

/**
 * A queue transport on one Amazon SQS standard queue. Every workflow and step message travels
 * in it (the envelope names its queue and version). Delays use `DelaySeconds` (at most 900 s;
 * the composer chains longer ones); each redelivery is a new message, sent before the
 * delivered one is deleted; dead letters go to the dead-letter queue with their reason.
 * Creating it is synchronous and free of I/O.
 */
export function createSqsQueue(
  settings: SqsQueueSettings | ResolvedSqsSettings = {},
): SqsQueueTransport {
  const resolved = resolveSqsSettings(settings);
  const logger = resolved.logger ?? createConsoleLogger();
  const connection = new SqsConnection(resolved);
  const outage = createSqsOutageReport(resolved, logger);
  const keys = new IdempotencyWindow();
  const closedError = () => new Error(`${PACKAGE_NAME}: the SQS queue is closed`);

  let receiver: QueueReceiver | undefined;
  let consumer: PollConsumer | undefined;
  let closing: Promise<void> | undefined;
  // Bounds Lambda batches too: records of one invocation run at most `concurrency` at once.
  const recordSlots = new SlotPool(resolved.concurrency);
  // Sends of one event-loop turn share a SendMessageBatch (a fan-out's step messages).
  const sends = new SendBatcher(
    () => connection.client,
    async () => (await connection.addresses()).queueUrl,
  );

  const settle = (plan: DeliveryPlan) => {
    const key = idempotencyKeyOf(plan.envelope);
    if (key === undefined) return;
    if (plan.type === 'ack') keys.settle(key, Date.now());
    else if (plan.type === 'dead-letter') keys.release(key);
  };

  const send: QueueTransport['send'] = async (envelope, options) => {
    if (closing) throw closedError();
    const key = idempotencyKeyOf(envelope);
    const now = Date.now();
    const dueAt = typeof envelope?.notBefore === 'number' ? envelope.notBefore : now;
    if (key !== undefined && !keys.claim(key, dueAt, now)) return { accepted: false };
    try {
      await sends.send(encodeBody(envelope), sqsDelaySeconds(options.delaySeconds));
    } catch (error) {
      if (key !== undefined) keys.release(key);
      throw error;
    }
    return { accepted: true };
  };

  const consume: QueueTransport['consume'] = async (given) => {
    if (closing) throw closedError();
    if (receiver) throw new Error(`${PACKAGE_NAME}: consume() was already called on this queue`);
    receiver = given;
    if (!resolved.poll) return;
    const addresses = await connection.addresses();
    if (closing) return;
    consumer = new PollConsumer({
      connection,
      addresses,
      receiver: given,
      settings: resolved,
      logger,
      outage,
      onSettled: settle,
    });
    consumer.start();
  };

  const handleRecords = async (records: SqsEventRecord[]): Promise<SqsBatchResponse> => {
    if (!receiver) {
      throw new Error(
        `${PACKAGE_NAME}: handleRecords() before consume(); call world.start() first (createSqsLambdaHandler does)`,
      );
    }
    const active = receiver;
    const addresses = await connection.addresses();
    const failed = await Promise.all(
      records.map(async (record) => {
        await recordSlots.take(1);
        try {
          const plan = await planDelivery(active, record.body);
          // Lambda deletes the records reported as successful; the follow-up must be stored first.
          if (hasFollowUp(plan)) {
            await reportedSqsCall(outage, 'store follow-up', () =>
              storeFollowUp(connection.client, addresses, plan, {
                body: record.body,
                messageId: record.messageId,
              }),
            );
          }
          settle(plan);
          return undefined;
        } catch (error) {
          // SQS being unreachable was logged once by the outage report, not per record.
          if (error instanceof SqsUnreachableError) return record.messageId;
          logger.error('an SQS record failed; the event source hands it out again', {
            messageId: record.messageId,
            error: errorMessage(error),
          });
          return record.messageId;
        } finally {
          recordSlots.give(1);
        }
      }),
    );
    return {
      batchItemFailures: failed
        .filter((id): id is string => id !== undefined)
        .map((itemIdentifier) => ({ itemIdentifier })),
    };
  };

  const deadLetters: NonNullable<QueueTransport['deadLetters']> = async () => {
    const { deadLetterQueueUrl } = await connection.addresses();
    return peekDeadLetters(connection.client, deadLetterQueueUrl);
  };

  const close = () => {
    closing ??= (async () => {
      if (!consumer) {
        connection.destroy();
        return;
      }
      const finished = await consumer.stop(resolved.closeTimeoutMs);
      if (!finished) {
        logger.warn(
          'closed the SQS queue with deliveries still running; their messages reappear after the visibility timeout if they do not finish',
          { closeTimeoutMs: resolved.closeTimeoutMs },
        );
      }
      // Polls in progress end within waitTimeSeconds and hand back what they receive.
      const stopped = consumer;
      void stopped.settled().finally(() => connection.destroy());
    })();
    return closing;
  };

  return {
    kind: 'transport',
    polls: resolved.poll,
    setup: () => connection.setup(),
    send,
    consume,
    handleRecords,
    deadLetters,
    close,
  };
}

function idempotencyKeyOf(envelope: unknown): string | undefined {
  const key = (envelope as Partial<QueueEnvelope> | null)?.idempotencyKey;
  return typeof key === 'string' ? key : undefined;
}
