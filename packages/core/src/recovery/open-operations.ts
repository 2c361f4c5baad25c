import type { Event, World } from '@workflow/world';

/** What a run is waiting for, read from its log. */
export interface OpenOperations {
  /** Steps created and not finished (scheduled, running or retrying). */
  openSteps: number;
  /** Deadlines of the waits (sleeps) created and not completed. */
  openWaits: Date[];
  /** Hooks created and not disposed. */
  openHooks: number;
  /** The newest event, if any. */
  last: Event | undefined;
}

/** Reads the run's whole log (without payloads) and tracks what is still open. */
export async function openOperations(world: World, runId: string): Promise<OpenOperations> {
  const steps = new Set<string>();
  const waits = new Map<string, Date>();
  const hooks = new Set<string>();
  let last: Event | undefined;
  let cursor: string | undefined;
  do {
    const page = await world.events.list({
      runId,
      resolveData: 'none',
      pagination: { limit: 1000, cursor, sortOrder: 'asc' },
    });
    for (const event of page.data) {
      last = event;
      const id = event.correlationId ?? '';
      switch (event.eventType) {
        case 'step_created':
          steps.add(id);
          break;
        case 'step_completed':
        case 'step_failed':
          steps.delete(id);
          break;
        case 'wait_created':
          waits.set(id, new Date(event.eventData.resumeAt));
          break;
        case 'wait_completed':
          waits.delete(id);
          break;
        case 'hook_created':
          hooks.add(id);
          break;
        case 'hook_disposed':
          hooks.delete(id);
          break;
      }
    }
    cursor = page.hasMore ? (page.cursor ?? undefined) : undefined;
  } while (cursor);
  return { openSteps: steps.size, openWaits: [...waits.values()], openHooks: hooks.size, last };
}
