import type { World } from '@workflow/world';
import type { Logger } from '../logging/logger.js';
import { createRateLimitedWarning } from '../logging/rate-limited-warning.js';
import { recoverStalledRuns } from './recover-stalled-runs.js';

export interface PeriodicRecoverySettings {
  intervalMs: number;
  staleAfterMs: number;
}

export interface PeriodicRecovery {
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
}

/**
 * Runs `recoverStalledRuns` every `intervalMs` in a World that consumes its queue, so runs whose
 * messages a queue lost (Redis restarted empty, a purged queue) finish without an operator.
 * One pass at a time; the timer does not keep the process alive.
 */
export function startPeriodicRecovery(
  world: World,
  settings: PeriodicRecoverySettings,
  logger: Logger,
): PeriodicRecovery {
  let pass: Promise<void> | undefined;
  const failures = createRateLimitedWarning(logger, 'looking for stuck runs failed');
  const tick = () => {
    if (pass) return;
    pass = recoverStalledRuns(world, { staleAfterMs: settings.staleAfterMs })
      .then((report) => {
        if (report.requeued === 0) return;
        const reasons: Record<string, number> = {};
        for (const run of report.stalled) reasons[run.reason] = (reasons[run.reason] ?? 0) + 1;
        logger.warn(
          `re-queued ${report.requeued} stuck run(s) whose queue message was lost (no progress for ${Math.round(settings.staleAfterMs / 1000)} s)`,
          { reasons, runIds: report.stalled.slice(0, 20).map((run) => run.runId) },
        );
      })
      .catch((error: unknown) =>
        failures.warn({ error: error instanceof Error ? error.message : String(error) }),
      )
      .finally(() => {
        pass = undefined;
      });
  };
  const timer = setInterval(tick, settings.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await pass;
    },
  };
}
