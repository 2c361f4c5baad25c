import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { ResolvedSqsSettings } from '../settings.js';
import { PACKAGE_NAME } from '../settings.js';
import { type SqsQueueAddresses, setupSqsQueue } from './queue-setup.js';

/**
 * Finds (or, with `setup`, creates) the main queue and its dead-letter queue. Every
 * dead-letter outcome is sent to the dead-letter queue explicitly, so one is required: without
 * it a hopeless message could only be dropped or retried forever.
 */
export async function resolveQueueAddresses(
  client: SQSClient,
  settings: ResolvedSqsSettings,
): Promise<SqsQueueAddresses> {
  if (settings.setup && settings.queueName && settings.deadLetterQueueName) {
    const created = await setupSqsQueue(client, {
      queueName: settings.queueName,
      deadLetterQueueName: settings.deadLetterQueueName,
      visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds,
      maxReceiveCount: settings.maxReceiveCount,
    });
    return {
      ...created,
      deadLetterQueueUrl: settings.deadLetterQueueUrl ?? created.deadLetterQueueUrl,
    };
  }
  const queueUrl = settings.queueUrl ?? (await queueUrlByName(client, settings.queueName!));
  const deadLetterQueueUrl =
    settings.deadLetterQueueUrl ?? (await redriveTargetUrl(client, queueUrl));
  return { queueUrl, deadLetterQueueUrl };
}

async function queueUrlByName(client: SQSClient, name: string, owner?: string): Promise<string> {
  const { QueueUrl } = await client.send(
    new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: owner }),
  );
  if (!QueueUrl) throw new Error(`${PACKAGE_NAME}: SQS returned no URL for queue "${name}"`);
  return QueueUrl;
}

/** The URL of the queue named by the main queue's RedrivePolicy. */
async function redriveTargetUrl(client: SQSClient, queueUrl: string): Promise<string> {
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }),
  );
  const policy = Attributes?.RedrivePolicy;
  const arn = policy
    ? (JSON.parse(policy) as { deadLetterTargetArn?: string }).deadLetterTargetArn
    : undefined;
  // arn:aws:sqs:<region>:<account>:<name>
  const [, , , , account, name] = arn?.split(':') ?? [];
  if (!account || !name) {
    throw new Error(
      `${PACKAGE_NAME}: queue ${queueUrl} has no dead-letter queue. Give it a RedrivePolicy, set deadLetterQueueUrl (env WORLDKIT_SQS_DEAD_LETTER_QUEUE_URL), or use queueName with setup: true.`,
    );
  }
  return queueUrlByName(client, name, account);
}
