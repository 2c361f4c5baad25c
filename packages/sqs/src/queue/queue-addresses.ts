import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { ResolvedSqsSettings } from '../settings.js';
import { PACKAGE_NAME } from '../settings.js';
import {
  ensureSqsQueue,
  queueNameFromUrl,
  redriveTargetUrl,
  type SqsQueueAddresses,
  setupSqsQueue,
} from './queue-setup.js';

/**
 * Finds (or, with `setup`, creates) the main queue and its dead-letter queue. Every
 * dead-letter outcome is sent to the dead-letter queue explicitly, so one is required: without
 * it a hopeless message could only be dropped or retried forever.
 *
 * `explicit` is an explicit `setup()` call (`worldkit setup`): it prepares the queues whatever
 * the `setup` option says. With `setup` and a queue name, both queues are created or converged
 * on Worldkit's attributes; otherwise (a queue URL, or no `setup` option) missing queues are
 * created and existing ones are only checked (see `ensureSqsQueue`).
 */
export async function resolveQueueAddresses(
  client: SQSClient,
  settings: ResolvedSqsSettings,
  explicit = false,
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
  if (settings.setup || explicit) {
    const queueName = settings.queueName ?? queueNameFromUrl(settings.queueUrl ?? '') ?? '';
    return ensureSqsQueue(client, {
      queueUrl: settings.queueUrl,
      queueName,
      deadLetterQueueUrl: settings.deadLetterQueueUrl,
      deadLetterQueueName: settings.deadLetterQueueName ?? `${queueName.slice(0, 76)}-dlq`,
      visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds,
      maxReceiveCount: settings.maxReceiveCount,
    });
  }
  const queueUrl = settings.queueUrl ?? (await queueUrlByName(client, settings.queueName!));
  const deadLetterQueueUrl = settings.deadLetterQueueUrl ?? (await redriveTarget(client, queueUrl));
  return { queueUrl, deadLetterQueueUrl };
}

async function queueUrlByName(client: SQSClient, name: string): Promise<string> {
  const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: name }));
  if (!QueueUrl) throw new Error(`${PACKAGE_NAME}: SQS returned no URL for queue "${name}"`);
  return QueueUrl;
}

/** The URL of the queue named by the main queue's RedrivePolicy. */
async function redriveTarget(client: SQSClient, queueUrl: string): Promise<string> {
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }),
  );
  const target = await redriveTargetUrl(client, Attributes?.RedrivePolicy);
  if (!target) {
    throw new Error(
      `${PACKAGE_NAME}: queue ${queueUrl} has no dead-letter queue. Give it a RedrivePolicy, set deadLetterQueueUrl (env WORLDKIT_SQS_DEAD_LETTER_QUEUE_URL), or run \`worldkit setup\` (or set setup: true) to create one.`,
    );
  }
  return target;
}
