import type { ComposedWorld } from '../compose/create-world.js';
import { type ActiveRunStatus, listRunsByStatus } from './run-listing.js';
import { type UpgradeResult, type UpgradeRunOptions, upgradeRun } from './upgrade-run.js';
import { mapWithConcurrency } from './with-concurrency.js';

export interface UpgradeRunsFilter {
  /** Only runs pinned to this version. */
  fromVersion?: string;
  workflowName?: string;
  /** Default: both. */
  status?: ActiveRunStatus[];
}

export interface UpgradeRunsOptions extends Omit<UpgradeRunOptions, 'cutAfterEventId'> {
  /** Runs upgraded at once (default 4). */
  concurrency?: number;
  onProgress?(progress: { done: number; total: number; runId: string; status: string }): void;
}

export interface UpgradeRunsSummary {
  total: number;
  upgraded: number;
  skipped: number;
  refused: number;
  alreadyUpgraded: number;
  /** Dry runs count here, not in `upgraded`. */
  dryRun: number;
  results: UpgradeResult[];
}

/**
 * Upgrades every active run matching `filter` (RFC: bulk by filter). Each run is upgraded on its
 * own; a refused run stays where it was and the others continue. Re-running after an
 * interruption is safe: finished runs answer `already-upgraded` or `skipped`.
 */
export async function upgradeRuns(
  world: ComposedWorld,
  filter: UpgradeRunsFilter,
  options: UpgradeRunsOptions,
): Promise<UpgradeRunsSummary> {
  const runs = (
    await listRunsByStatus(world, filter.status ?? ['pending', 'running'], filter.workflowName)
  ).filter((run) => !filter.fromVersion || run.deploymentId === filter.fromVersion);
  let done = 0;
  const results = await mapWithConcurrency(runs, options.concurrency ?? 4, async (run) => {
    const result = await upgradeRun(world, run.runId, {
      to: options.to,
      strategy: options.strategy,
      dryRun: options.dryRun,
    });
    done += 1;
    options.onProgress?.({ done, total: runs.length, runId: run.runId, status: result.status });
    return result;
  });
  const count = (status: UpgradeResult['status']) =>
    results.filter((result) => result.status === status).length;
  return {
    total: runs.length,
    upgraded: count('upgraded'),
    skipped: count('skipped'),
    refused: count('refused'),
    alreadyUpgraded: count('already-upgraded'),
    dryRun: count('dry-run'),
    results,
  };
}
