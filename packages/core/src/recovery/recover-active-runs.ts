import {
  getQueueTopicPrefix,
  type Queue,
  resolveQueueNamespace,
  type Storage,
  type ValidQueueName,
} from '@workflow/world';
import type { Logger } from '../logging/logger.js';

/**
 * Re-enqueues every pending or running run to the version that owns it. Needed only when
 * the queue does not survive restarts; replay makes duplicate wake-ups harmless.
 */
export async function recoverActiveRuns(
  storage: Storage,
  enqueue: Queue['queue'],
  logger: Logger,
): Promise<number> {
  const prefix = getQueueTopicPrefix('workflow', resolveQueueNamespace());
  let recovered = 0;
  for (const status of ['pending', 'running'] as const) {
    let cursor: string | undefined;
    do {
      const page = await storage.runs.list({ status, resolveData: 'none', pagination: { cursor } });
      for (const run of page.data) {
        await enqueue(
          `${prefix}${run.workflowName}` as ValidQueueName,
          { runId: run.runId },
          {
            deploymentId: run.deploymentId,
            specVersion: run.specVersion,
          },
        );
        recovered++;
      }
      cursor = page.hasMore ? (page.cursor ?? undefined) : undefined;
    } while (cursor);
  }
  if (recovered > 0) logger.info(`re-enqueued ${recovered} active run(s) on start`);
  return recovered;
}
