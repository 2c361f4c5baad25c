import type { Event, WorkflowRunWithoutData, World } from '@workflow/world';

/** Every event of a run, oldest first, following cursors. */
export async function listRunEvents(world: World, runId: string): Promise<Event[]> {
  const events: Event[] = [];
  let cursor: string | undefined;
  do {
    const page = await world.events.list({
      runId,
      pagination: { limit: 1000, cursor, sortOrder: 'asc' },
    });
    events.push(...page.data);
    cursor = page.hasMore ? (page.cursor ?? undefined) : undefined;
  } while (cursor);
  return events;
}

export const ACTIVE_RUN_STATUSES = ['pending', 'running'] as const;
export type ActiveRunStatus = (typeof ACTIVE_RUN_STATUSES)[number];

/**
 * Runs in the given statuses, optionally of one workflow. Storage cannot filter by version,
 * so callers filter `deploymentId` themselves; payloads are not needed for that.
 */
export async function listRunsByStatus(
  world: World,
  statuses: readonly ActiveRunStatus[],
  workflowName?: string,
): Promise<WorkflowRunWithoutData[]> {
  const runs: WorkflowRunWithoutData[] = [];
  for (const status of statuses) {
    let cursor: string | undefined;
    do {
      const page = await world.runs.list({
        status,
        workflowName,
        resolveData: 'none',
        pagination: { limit: 1000, cursor },
      });
      runs.push(...page.data);
      cursor = page.hasMore ? (page.cursor ?? undefined) : undefined;
    } while (cursor);
  }
  return runs;
}
