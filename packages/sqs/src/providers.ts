import type { QueueProvider } from '@worldkit/core';
import { defineQueueProvider } from '@worldkit/provider';
import { SQS_MAX_DELAY_SECONDS } from './queue/delivery-plan.js';
import { createSqsQueue } from './queue/sqs-queue.js';
import { PACKAGE_NAME, resolveSqsSettings, type SqsQueueSettings } from './settings.js';

const sqsQueueProvider = defineQueueProvider({
  name: 'sqs',
  packageName: PACKAGE_NAME,
  settings: (settings: SqsQueueSettings = {}) => resolveSqsSettings(settings),
  capabilities: (resolved) => ({
    // DelaySeconds tops out at 15 minutes; the composer chains longer delays.
    maxDelaySeconds: SQS_MAX_DELAY_SECONDS,
    // Standard queues never deduplicate; this process's own window is best effort only.
    idempotencyKeys: false,
    durable: true,
    concurrency: resolved.concurrency,
  }),
  create: (resolved, context) =>
    createSqsQueue({ ...resolved, logger: resolved.logger ?? context.logger }),
});

/**
 * The queue slot on Amazon SQS. Settings are checked here, when `world.config.ts` is
 * evaluated; the SQS client is created and queues looked up on first use.
 */
export function sqsQueue(settings: SqsQueueSettings = {}): QueueProvider {
  return sqsQueueProvider(settings);
}
