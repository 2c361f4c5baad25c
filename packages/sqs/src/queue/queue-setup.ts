import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { SQS_MAX_MESSAGE_BYTES } from './message-body.js';

/** SQS's longest retention: dead letters and long chains of delays outlive a weekend. */
export const MESSAGE_RETENTION_SECONDS = 1_209_600;

export interface SqsQueueSetup {
  queueName: string;
  deadLetterQueueName: string;
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
}

export interface SqsQueueAddresses {
  queueUrl: string;
  deadLetterQueueUrl: string;
}

/**
 * Creates the main queue and its dead-letter queue if missing and (re)applies their
 * attributes, so running it again — or from several processes at once — converges on the
 * same configuration. The main queue's RedrivePolicy names the dead-letter queue.
 */
export async function setupSqsQueue(
  client: SQSClient,
  setup: SqsQueueSetup,
): Promise<SqsQueueAddresses> {
  const retention = {
    MessageRetentionPeriod: String(MESSAGE_RETENTION_SECONDS),
    MaximumMessageSize: String(SQS_MAX_MESSAGE_BYTES),
  };
  const deadLetterQueueUrl = await ensureQueue(client, setup.deadLetterQueueName, retention);
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: deadLetterQueueUrl,
      AttributeNames: ['QueueArn'],
    }),
  );
  const deadLetterTargetArn = Attributes?.QueueArn;
  if (!deadLetterTargetArn) {
    throw new Error(`SQS returned no QueueArn for ${deadLetterQueueUrl}`);
  }
  const queueUrl = await ensureQueue(client, setup.queueName, {
    ...retention,
    VisibilityTimeout: String(setup.visibilityTimeoutSeconds),
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn,
      maxReceiveCount: setup.maxReceiveCount,
    }),
  });
  return { queueUrl, deadLetterQueueUrl };
}

async function ensureQueue(
  client: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<string> {
  try {
    const { QueueUrl } = await client.send(
      new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
    );
    if (!QueueUrl) throw new Error(`SQS returned no QueueUrl creating ${name}`);
    return QueueUrl;
  } catch (error) {
    // CreateQueue is idempotent only for identical attributes; otherwise update them.
    if (!isQueueNameExists(error)) throw error;
    const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: name }));
    if (!QueueUrl) throw new Error(`SQS returned no QueueUrl for ${name}`);
    await client.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: attributes }));
    return QueueUrl;
  }
}

function isQueueNameExists(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { Code?: unknown }).Code;
  return error.name.endsWith('QueueNameExists') || code === 'QueueAlreadyExists';
}
