import { waitFor } from '@worldkit/testing';
import { describe, expect, it } from 'vitest';
import { recordFigures } from './reliability/figures.js';
import { useReliabilityServers, useScratchDirectory } from './reliability/servers.js';
import {
  activeRuns,
  expectEveryRunCompleted,
  runWorkerBatch,
  stepExecutions,
} from './reliability/workers.js';

/**
 * kill -9 of one of three worker processes, again and again, while a batch of runs (four
 * steps around a 1 s sleep) executes on a durable composition. Each killed worker is replaced
 * at once, as a process manager would. The messages a killed worker held come back when their
 * lease lapses (5 s here); every run must complete, and no event may be written twice.
 */
const WORKERS = 3;
const KILLS = 4;
/** Steps that must have executed since the previous kill before the next one: work is in flight. */
const STEPS_BETWEEN_KILLS = 6;

const servers = useReliabilityServers(['pg', 'redis', 'fauxqs', 'dynamodb', 'bundlesDir']);
const scratch = useScratchDirectory('worldkit-kill-workers-');

async function killWorkersRepeatedly(
  composition: string,
  env: Record<string, string>,
  options: { runs: number; timeoutMs: number },
) {
  await runWorkerBatch({
    composition,
    scratch,
    bundlesDir: servers.bundlesDir,
    env: { REL_DEPLOYMENT_ID: `kill-${composition}`, ...env },
    workers: WORKERS,
    ...options,
    fault: async ({ workers, spawn, world, runIds, stepLog }) => {
      const activeAtKills: number[] = [];
      let stepsAtLastKill = 0;
      const cutShort: number[] = [];
      for (let kill = 0; kill < KILLS; kill++) {
        // Each kill waits for real progress since the last one and for a worker in the middle of
        // a step, and kills that worker: every kill lands on work in flight however slow the
        // machine is, and never on a batch that has already finished.
        const target = stepsAtLastKill + STEPS_BETWEEN_KILLS;
        const victimIndex = await waitFor(
          `${target} step executions and a worker in the middle of a step`,
          120_000,
          async () => {
            const executions = stepExecutions(stepLog);
            if (executions.length < target) return undefined;
            const busy = new Set(executions.filter((step) => !step.ended).map((step) => step.pid));
            // Round the workers in turn, from the one after the last victim.
            for (let offset = 0; offset < WORKERS; offset++) {
              const index = (kill + offset) % WORKERS;
              if (busy.has(workers[index]!.child.pid!)) return index;
            }
            return undefined;
          },
        );
        const victim = workers[victimIndex]!;
        victim.child.kill('SIGKILL');
        await victim.exited;
        const executions = stepExecutions(stepLog);
        stepsAtLastKill = executions.length;
        cutShort.push(
          executions.filter((step) => step.pid === victim.child.pid && !step.ended).length,
        );
        activeAtKills.push(await activeRuns(world, runIds));
        workers[victimIndex] = spawn();
      }
      return { cutShort, activeAtKills };
    },
    check: (outcome) => {
      const { result, fault } = outcome;
      recordFigures({
        composition,
        scenario: 'kill -9 worker (1 of 3)',
        ...result,
        durationMs: outcome.durationMs,
        detail: `${KILLS} kills, steps cut short by each: ${fault.cutShort.join('/')}; step executions ${outcome.executions.length} for ${result.runs * 4} steps`,
      });
      expect(Math.min(...fault.cutShort), 'every kill must cut a step short').toBeGreaterThan(0);
      expect(Math.min(...fault.activeAtKills), 'and leave runs in flight').toBeGreaterThan(0);
      expectEveryRunCompleted(outcome.result, options.runs, outcome.outputs);
    },
  });
}

describe(`kill -9 of one of ${WORKERS} worker processes, ${KILLS} times, while runs execute: every run completes, no event twice`, () => {
  it('postgres all-in-one', async () => {
    await killWorkersRepeatedly(
      'postgres',
      { REL_POSTGRES_URL: servers.pg.url, REL_POSTGRES_SCHEMA: 'kill_pg' },
      { runs: 24, timeoutMs: 180_000 },
    );
  }, 420_000);

  it('postgres storage + bullmq queue', async () => {
    await killWorkersRepeatedly(
      'postgres-bullmq',
      {
        REL_POSTGRES_URL: servers.pg.url,
        REL_POSTGRES_SCHEMA: 'kill_bullmq',
        REL_REDIS_URL: servers.redis.url,
        REL_REDIS_PREFIX: 'kill',
      },
      { runs: 24, timeoutMs: 180_000 },
    );
  }, 420_000);

  it('postgres storage + sqs queue', async () => {
    await killWorkersRepeatedly(
      'postgres-sqs',
      {
        REL_POSTGRES_URL: servers.pg.url,
        REL_POSTGRES_SCHEMA: 'kill_sqs',
        REL_SQS_ENDPOINT: servers.fauxqs.endpoint,
        REL_SQS_QUEUE: 'kill-postgres',
      },
      { runs: 24, timeoutMs: 180_000 },
    );
  }, 420_000);

  it('dynamodb storage + sqs queue', async () => {
    // DynamoDB Local (a JVM emulating every transaction on SQLite) manages only a few runs a
    // second on a shared 2-core machine: fewer runs, and minutes to finish.
    await killWorkersRepeatedly(
      'dynamodb-sqs',
      {
        REL_DYNAMODB_ENDPOINT: servers.dynamodb.endpoint,
        REL_DYNAMODB_TABLE: 'kill-workers',
        REL_SQS_ENDPOINT: servers.fauxqs.endpoint,
        REL_SQS_QUEUE: 'kill-dynamodb',
      },
      { runs: 12, timeoutMs: 300_000 },
    );
  }, 600_000);
});
