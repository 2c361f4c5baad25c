import { seededRandom } from './seeded-random.js';

/**
 * What the workflow runtime seeds a run's deterministic `Math.random` with: every id and token
 * the runtime generates inside the run's sandbox (step/hook/wait correlation ids, hook tokens)
 * is drawn from `seedrandom("<runId>:<workflowName>:<startedAt ms>")`. Verified against
 * @workflow/core 4.8.9 `dist/workflow.js`; `test/upgrade-generated-tokens.test.ts` fails if
 * the runtime stops doing so.
 */
export interface RunSeed {
  runId: string;
  workflowName: string;
  startedAt: Date;
}

/** A fresh copy of the run's sandbox `Math.random`, advanced by `draws` values. */
export function runRandom(run: RunSeed, draws = 0): () => number {
  const random = seededRandom(`${run.runId}:${run.workflowName}:${run.startedAt.getTime()}`);
  for (let index = 0; index < draws; index++) random();
  return random;
}

/** The first `count` values the run's sandbox `Math.random` yields. */
export function runRandomValues(run: RunSeed, count: number): number[] {
  const random = runRandom(run);
  return Array.from({ length: count }, () => random());
}
