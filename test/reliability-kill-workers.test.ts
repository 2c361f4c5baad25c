import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type RestartableServer,
  type RunningDynamoDbLocal,
  type RunningFauxqs,
  startDynamoDbLocal,
  startFauxqs,
  startPostgresServer,
  startRedisServer,
} from '@worldkit/test-servers';
import { waitFor } from '@worldkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordFigures } from './reliability/figures.js';
import {
  activeRuns,
  driverWorld,
  reliabilityBundles,
  spawnWorker,
  stepExecutions,
  stopWorker,
  tally,
  type WorkerProcess,
  waitForRuns,
  whenReady,
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

let pg: RestartableServer;
let redis: RestartableServer;
let fauxqs: RunningFauxqs;
let dynamodb: RunningDynamoDbLocal;
let bundlesDir: string;
const scratch = mkdtempSync(join(tmpdir(), 'worldkit-kill-workers-'));

beforeAll(async () => {
  [pg, redis, fauxqs, dynamodb, bundlesDir] = await Promise.all([
    startPostgresServer(),
    startRedisServer(),
    startFauxqs(),
    startDynamoDbLocal(),
    reliabilityBundles(),
  ]);
}, 180_000);
afterAll(async () => {
  await Promise.all([pg?.stop(), redis?.stop(), fauxqs?.stop(), dynamodb?.stop()]);
  rmSync(scratch, { recursive: true, force: true });
});

async function killWorkersRepeatedly(
  composition: string,
  env: Record<string, string>,
  options: { runs: number; timeoutMs: number },
) {
  const stepLog = join(scratch, `${composition}-steps.log`);
  const fullEnv = {
    REL_COMPOSITION: composition,
    REL_DEPLOYMENT_ID: `kill-${composition}`,
    RELIABILITY_STEP_LOG: stepLog,
    ...env,
  };
  const workers: WorkerProcess[] = Array.from({ length: WORKERS }, () =>
    spawnWorker(bundlesDir, fullEnv),
  );
  const driver = await driverWorld(fullEnv, bundlesDir);
  try {
    // Generous: on a loaded 2-core machine three Node processes take a while to load.
    await Promise.all(workers.map((worker) => whenReady(worker, 180_000)));
    const runIds = await driver.startRuns(options.runs);
    const batchStartedAt = Date.now();
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
      activeAtKills.push(await activeRuns(driver.world, runIds));
      workers[victimIndex] = spawnWorker(bundlesDir, fullEnv);
    }
    await waitForRuns(driver.world, runIds, options.timeoutMs);
    const durationMs = Date.now() - batchStartedAt;
    const result = await tally(driver.world, runIds);
    const executions = stepExecutions(stepLog).length;
    recordFigures({
      composition,
      scenario: 'kill -9 worker (1 of 3)',
      runs: result.runs,
      completed: result.completed,
      lost: result.lost,
      stuck: result.stuck,
      duplicateEvents: result.duplicateEvents,
      durationMs,
      detail: `${KILLS} kills, steps cut short by each: ${cutShort.join('/')}; step executions ${executions} for ${result.runs * 4} steps`,
    });
    expect(Math.min(...cutShort), 'every kill must cut a step short').toBeGreaterThan(0);
    expect(Math.min(...activeAtKills), 'and leave runs in flight').toBeGreaterThan(0);
    expect(
      {
        completed: result.completed,
        lost: result.lost,
        stuck: result.stuck,
        duplicateEvents: result.duplicateEvents,
        unfinished: result.unfinished,
      },
      workers.map((worker) => worker.output()).join('\n---\n'),
    ).toEqual({
      completed: options.runs,
      lost: 0,
      stuck: 0,
      duplicateEvents: 0,
      unfinished: [],
    });
  } finally {
    await Promise.all(workers.map((worker) => stopWorker(worker)));
    await driver.world.close?.();
  }
}

describe(`kill -9 of one of ${WORKERS} worker processes, ${KILLS} times, while runs execute: every run completes, no event twice`, () => {
  it('postgres all-in-one', async () => {
    await killWorkersRepeatedly(
      'postgres',
      { REL_POSTGRES_URL: pg.url, REL_POSTGRES_SCHEMA: 'kill_pg' },
      { runs: 24, timeoutMs: 180_000 },
    );
  }, 420_000);

  it('postgres storage + bullmq queue', async () => {
    await killWorkersRepeatedly(
      'postgres-bullmq',
      {
        REL_POSTGRES_URL: pg.url,
        REL_POSTGRES_SCHEMA: 'kill_bullmq',
        REL_REDIS_URL: redis.url,
        REL_REDIS_PREFIX: 'kill',
      },
      { runs: 24, timeoutMs: 180_000 },
    );
  }, 420_000);

  it('postgres storage + sqs queue', async () => {
    await killWorkersRepeatedly(
      'postgres-sqs',
      {
        REL_POSTGRES_URL: pg.url,
        REL_POSTGRES_SCHEMA: 'kill_sqs',
        REL_SQS_ENDPOINT: fauxqs.endpoint,
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
        REL_DYNAMODB_ENDPOINT: dynamodb.endpoint,
        REL_DYNAMODB_TABLE: 'kill-workers',
        REL_SQS_ENDPOINT: fauxqs.endpoint,
        REL_SQS_QUEUE: 'kill-dynamodb',
      },
      { runs: 12, timeoutMs: 300_000 },
    );
  }, 600_000);
});
