import {
  getQueueTopicPrefix,
  resolveQueueNamespace,
  type ValidQueueName,
  type WorkflowRunWithoutData,
  type World,
} from '@workflow/world';
import { RECOVERY_KEY_PREFIX } from '../compute/delivery-scope.js';
import { ACTIVE_RUN_STATUSES, listRunsByStatus } from '../upgrades/run-listing.js';
import { mapWithConcurrency } from '../upgrades/with-concurrency.js';
import { openOperations } from './open-operations.js';

/** Why a run looks stuck: what should have woken it has not, for longer than `staleAfterMs`. */
export type StallReason =
  /** Created, never started: its first message is gone. */
  | 'never-started'
  /** A sleep's deadline passed long ago and the run was not woken. */
  | 'deadline-passed'
  /** A step was scheduled or started long ago and nothing came of it. */
  | 'step-silent'
  /** Its last event (a step result, a hook payload, a wait completion) never woke the workflow. */
  | 'wake-up-missing';

export interface StalledRun {
  runId: string;
  workflowName: string;
  deploymentId: string;
  reason: StallReason;
  /** When the run last changed (its newest event, or its creation). */
  lastActivityAt: Date;
}

export interface RecoveryReport {
  /** Active runs looked at. */
  examined: number;
  stalled: StalledRun[];
  /** Workflow messages queued again (0 for a dry run). */
  requeued: number;
  dryRun: boolean;
}

export interface RecoverStalledRunsOptions {
  /** How long a run may go without progress before it counts as stuck (default 10 min). */
  staleAfterMs?: number;
  /** Report only; queue nothing. */
  dryRun?: boolean;
  now?: Date;
  /** Runs whose logs are read at once (default 8). */
  concurrency?: number;
}

export const DEFAULT_STALE_AFTER_MS = 10 * 60_000;

/**
 * Finds active runs that nothing will wake — their queue message was lost: a Redis restarted
 * empty under BullMQ, a purged SQS queue, rows deleted from a PostgreSQL queue — and queues
 * their workflow again, to the version that owns each. A run that is sleeping towards a future
 * deadline, or waiting on a hook that has not been called, is left alone.
 *
 * Safe to run at any time and from several processes: a workflow delivery replays the run's
 * log, so an extra wake-up writes no event twice; the message carries an idempotency key made
 * of the run, its newest event and the `staleAfterMs` period the pass falls in, so queues that
 * honour keys drop copies from concurrent passes, while a run still stuck a period later (its
 * wake-up lost too, e.g. sent while an SQS purge was still deleting) is woken again. What the
 * wake-up's delivery enqueues (the step the run waits for) is keyed apart from the lost
 * messages, so a transport that remembers their keys does not drop the re-send. The one cost
 * of a false positive: a step still running after `staleAfterMs` is handed out again
 * (at-least-once, as after any crash) — keep the threshold above the longest step.
 */
export async function recoverStalledRuns(
  world: World,
  options: RecoverStalledRunsOptions = {},
): Promise<RecoveryReport> {
  const now = options.now ?? new Date();
  const staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
  const staleBefore = now.getTime() - staleAfterMs;
  const active = await listRunsByStatus(world, ACTIVE_RUN_STATUSES);
  const verdicts = await mapWithConcurrency(active, options.concurrency ?? 8, (run) =>
    classify(world, run, staleBefore),
  );
  const stalled = verdicts.flatMap((verdict) => (verdict ? [verdict] : []));
  let requeued = 0;
  if (!options.dryRun) {
    const prefix = getQueueTopicPrefix('workflow', resolveQueueNamespace());
    const period = Math.floor(now.getTime() / Math.max(1, staleAfterMs));
    for (const run of stalled) {
      const source = active.find((candidate) => candidate.runId === run.runId);
      await world.queue(
        `${prefix}${run.workflowName}` as ValidQueueName,
        { runId: run.runId },
        {
          deploymentId: run.deploymentId,
          specVersion: source?.specVersion,
          idempotencyKey: `${RECOVERY_KEY_PREFIX}${run.runId}:${run.lastActivityAt.getTime()}:${period}`,
        },
      );
      requeued++;
    }
  }
  return { examined: active.length, stalled, requeued, dryRun: options.dryRun ?? false };
}

async function classify(
  world: World,
  run: WorkflowRunWithoutData,
  staleBefore: number,
): Promise<StalledRun | undefined> {
  const stalled = (reason: StallReason, lastActivityAt: Date): StalledRun => ({
    runId: run.runId,
    workflowName: run.workflowName,
    deploymentId: run.deploymentId,
    reason,
    lastActivityAt,
  });
  if (run.status === 'pending') {
    return run.createdAt.getTime() < staleBefore
      ? stalled('never-started', run.createdAt)
      : undefined;
  }
  const log = await openOperations(world, run.runId);
  const lastActivityAt = log.last?.createdAt ?? run.updatedAt;
  if (log.openWaits.some((resumeAt) => resumeAt.getTime() < staleBefore)) {
    return stalled('deadline-passed', lastActivityAt);
  }
  if (lastActivityAt.getTime() >= staleBefore) return undefined;
  if (log.openSteps > 0) return stalled('step-silent', lastActivityAt);
  // Sleeping towards a deadline that has not come: its wake-up is judged once it passes.
  if (log.openWaits.length > 0) return undefined;
  // Waiting on a hook nobody has called yet.
  if (log.openHooks > 0 && log.last?.eventType !== 'hook_received') return undefined;
  return stalled('wake-up-missing', lastActivityAt);
}
