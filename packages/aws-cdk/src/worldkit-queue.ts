import { DEFAULT_MAX_RECEIVE_COUNT, MESSAGE_RETENTION_SECONDS } from '@worldkit/sqs';
import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * SQS's largest message, which `setupSqsQueue` in `@worldkit/sqs` also sets (bodies above 64 KiB
 * are gzipped, so most messages stay far below it).
 */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;

export interface WorldkitQueueProps {
  /** Main queue name; the dead-letter queue is `<queueName>-dlq`. Default: generated. */
  queueName?: string;
  /** How long a received message stays hidden. Set by `WorldkitDispatcher` from its timeout. */
  visibilityTimeout: Duration;
  /**
   * Receives before SQS moves a message to the dead-letter queue. Default 10, as
   * `setupSqsQueue` (handler failures never count here; see `@worldkit/sqs`).
   */
  maxReceiveCount?: number;
  /** Retention of both queues. Default 14 days (SQS's longest, as `setupSqsQueue`). */
  retentionPeriod?: Duration;
}

/**
 * A standard SQS queue and its dead-letter queue as `@worldkit/sqs` expects them (the same
 * attributes `setupSqsQueue` applies): RedrivePolicy to the DLQ, 14-day retention, 1 MiB
 * messages. Standard, not FIFO: FIFO queues cannot delay single messages, which `sleep()`
 * needs. SQS-managed encryption; requests without TLS are refused.
 */
export class WorldkitQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: WorldkitQueueProps) {
    super(scope, id);
    const retentionPeriod = props.retentionPeriod ?? Duration.seconds(MESSAGE_RETENTION_SECONDS);
    const common = {
      retentionPeriod,
      maxMessageSizeBytes: SQS_MAX_MESSAGE_BYTES,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    };
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetter', {
      ...common,
      queueName: props.queueName ? `${props.queueName.slice(0, 76)}-dlq` : undefined,
    });
    this.queue = new sqs.Queue(this, 'Main', {
      ...common,
      queueName: props.queueName,
      visibilityTimeout: props.visibilityTimeout,
      deadLetterQueue: {
        queue: this.deadLetterQueue,
        maxReceiveCount: props.maxReceiveCount ?? DEFAULT_MAX_RECEIVE_COUNT,
      },
    });
  }
}
