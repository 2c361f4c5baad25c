import { RUN_ERROR_CODES } from '@workflow/errors';
import { SPEC_VERSION_CURRENT, type World } from '@workflow/world';
import type { Logger } from '../logging/logger.js';

type Queue = World['queue'];
type CreateEvent = World['events']['create'];

/**
 * The runtime's `start()` writes `run_created` and queues the run's first message in parallel,
 * and throws when the queue refuses the message (too large for SQS, the queue down). The run
 * is then stored but nothing will ever start it, and the caller, who got an error, never learnt
 * its id: it would stay `pending` forever. This guard fails such a run with a clear error
 * instead, once its `run_created` has settled. It watches only first messages (those carrying
 * `runInput`); any other failed send is the caller's to retry.
 */
export function createOrphanGuard(settings: { logger: Logger }) {
  /** `run_created` writes in flight, by run id, so a failure can wait for its run to exist. */
  const creating = new Map<string, Promise<unknown>>();

  return {
    /** Wraps `events.create` so in-flight `run_created` writes are known. */
    watchCreate(create: CreateEvent): CreateEvent {
      return ((runId: string | null, data: { eventType?: string }, params?: unknown) => {
        const written = create(runId as string, data as never, params as never);
        if (data?.eventType === 'run_created' && typeof runId === 'string') {
          const settled = written.then(
            () => undefined,
            () => undefined,
          );
          creating.set(runId, settled);
          void settled.finally(() => {
            if (creating.get(runId) === settled) creating.delete(runId);
          });
        }
        return written;
      }) as CreateEvent;
    },

    /** Wraps `queue` so a refused first message fails its run instead of orphaning it. */
    watchQueue(queue: Queue, create: CreateEvent): Queue {
      return async (queueName, message, options) => {
        try {
          return await queue(queueName, message, options);
        } catch (error) {
          const runId = firstMessageRunId(queueName, message);
          if (runId) await failOrphan(runId, error, create);
          throw error;
        }
      };
    },
  };

  async function failOrphan(runId: string, error: unknown, create: CreateEvent) {
    await creating.get(runId);
    const reason = error instanceof Error ? error.message : String(error);
    try {
      await create(runId, {
        eventType: 'run_failed',
        specVersion: SPEC_VERSION_CURRENT,
        eventData: {
          error: { message: `the run's first queue message could not be enqueued: ${reason}` },
          errorCode: RUN_ERROR_CODES.WORLD_CONTRACT_ERROR,
        },
      } as never);
      settings.logger.warn('failed a run whose first queue message was refused', {
        runId,
        error: reason,
      });
    } catch {
      // No such run (its run_created failed too) or already ended: nothing is left pending.
    }
  }
}

function firstMessageRunId(queueName: string, message: unknown): string | undefined {
  if (!/^__(?:[a-z][a-z0-9]*_)?wkf_workflow_/.test(queueName)) return undefined;
  const payload = message as { runId?: unknown; runInput?: unknown } | null;
  return payload && typeof payload.runId === 'string' && payload.runInput !== undefined
    ? payload.runId
    : undefined;
}
