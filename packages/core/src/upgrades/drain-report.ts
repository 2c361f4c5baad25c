import type { WorkflowRunWithoutData } from '@workflow/world';
import type { ComposedWorld } from '../compose/create-world.js';
import { openOperations } from '../recovery/open-operations.js';
import { ACTIVE_RUN_STATUSES, listRunsByStatus } from './run-listing.js';
import { mapWithConcurrency } from './with-concurrency.js';

export type DrainReason = 'running' | 'queued' | 'sleeping' | 'waitingOnHook';

export interface DrainRun {
  runId: string;
  workflowName: string;
  status: string;
  reason: DrainReason;
  /** For `sleeping`: when the earliest open wait fires. */
  until?: Date;
}

export interface DrainReport {
  versionId: string;
  activeRuns: number;
  byReason: Record<DrainReason, number>;
  /**
   * The earliest moment every active run could have left the version: the latest wake-up among
   * sleeping runs, or now when only running and queued runs remain. `null` when a run waits on a
   * hook, since nobody knows when (or whether) its payload arrives.
   */
  earliestDrainAt: Date | null;
  /** Up to `limit` runs (default 100), soonest to drain first. */
  runs: DrainRun[];
}

/**
 * Why each active run of a version is still active (RFC "safe sunset"). Reads only: one run
 * listing per status plus each active run's event log, a few runs at a time.
 */
export async function drainReport(
  world: ComposedWorld,
  versionId: string,
  options: { now?: Date; limit?: number; concurrency?: number } = {},
): Promise<DrainReport> {
  const now = options.now ?? new Date();
  const active = (await listRunsByStatus(world, ACTIVE_RUN_STATUSES)).filter(
    (run) => run.deploymentId === versionId,
  );
  const runs = await mapWithConcurrency(active, options.concurrency ?? 16, (run) =>
    classify(world, run),
  );

  const byReason: Record<DrainReason, number> = {
    running: 0,
    queued: 0,
    sleeping: 0,
    waitingOnHook: 0,
  };
  let earliestDrainAt: Date | null = now;
  for (const run of runs) {
    byReason[run.reason] += 1;
    if (run.reason === 'waitingOnHook') earliestDrainAt = null;
    else if (earliestDrainAt && run.until && run.until > earliestDrainAt)
      earliestDrainAt = run.until;
  }
  const order: Record<DrainReason, number> = {
    running: 0,
    queued: 1,
    sleeping: 2,
    waitingOnHook: 3,
  };
  runs.sort(
    (a, b) =>
      order[a.reason] - order[b.reason] || (a.until?.getTime() ?? 0) - (b.until?.getTime() ?? 0),
  );
  return {
    versionId,
    activeRuns: runs.length,
    byReason,
    earliestDrainAt,
    runs: runs.slice(0, options.limit ?? 100),
  };
}

async function classify(world: ComposedWorld, run: WorkflowRunWithoutData): Promise<DrainRun> {
  const base = { runId: run.runId, workflowName: run.workflowName, status: run.status };
  if (run.status === 'pending') return { ...base, reason: 'queued' };
  const open = await openOperations(world, run.runId);
  if (open.openSteps > 0) return { ...base, reason: 'running' };
  if (open.openWaits.length > 0) {
    const until = new Date(Math.min(...open.openWaits.map((at) => at.getTime())));
    return { ...base, reason: 'sleeping', until };
  }
  if (open.openHooks > 0) return { ...base, reason: 'waitingOnHook' };
  // Between two deliveries of its workflow: it is about to do something.
  return { ...base, reason: 'running' };
}
