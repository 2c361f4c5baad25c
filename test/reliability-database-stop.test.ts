import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createWorld } from '@worldkit/core';
import type { RestartableServer } from '@worldkit/test-servers';
import { recordingLogger, waitFor } from '@worldkit/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Outage, runThroughOutage } from './outage/run-through-outage.js';
import { compositionParts } from './reliability/compositions.mjs';
import { recordFigures } from './reliability/figures.js';
import { useReliabilityServers } from './reliability/servers.js';
import { expectEveryRunCompleted } from './reliability/workers.js';

/**
 * The database stops without warning (`pg_ctl stop -m immediate`: SIGQUIT to the postmaster,
 * no checkpoint, every session cut) while 30 runs are in flight, and is started again on its
 * data directory, which replays its WAL. Every run must complete, and no event may be written
 * twice, on every composition whose storage is PostgreSQL.
 *
 * DynamoDB + SQS is not in this file: DynamoDB Local runs in memory here, so a killed
 * DynamoDB Local comes back empty, which is data loss by construction, not an outage; the
 * outage of an endpoint that keeps its data is what the SQS cut in outage.test.ts exercises.
 */
const RUNS = 30;
const DOWN_MS = 3_000;

const servers = useReliabilityServers(['pg', 'redis', 'fauxqs'], 120_000);

beforeAll(async () => {
  // The test cluster runs with synchronous_commit=off for speed: a commit is acknowledged
  // before its WAL is written, so an immediate stop loses the last acknowledged commits — by
  // PostgreSQL's design, not a fault of the World (a step message in Redis then names a step
  // the database never kept). Production keeps the default (on); so do these sessions.
  await promisify(execFile)('psql', [
    servers.pg.url,
    '-v',
    'ON_ERROR_STOP=1',
    '-c',
    'ALTER DATABASE postgres SET synchronous_commit = on',
  ]);
}, 120_000);

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGQUIT is PostgreSQL's immediate shutdown; the cluster restarts with crash recovery. */
function immediateStop(server: RestartableServer): Outage {
  return {
    begin: async () => {
      const pid = server.pid;
      process.kill(pid, 'SIGQUIT');
      await waitFor('the postmaster to exit', 30_000, async () =>
        isRunning(pid) ? undefined : true,
      );
    },
    end: () => server.startAgain(),
  };
}

async function stopDatabaseImmediately(composition: string, env: Record<string, string>) {
  const logger = recordingLogger();
  const world = createWorld({
    ...(await compositionParts({ ...process.env, REL_COMPOSITION: composition, ...env })),
    deploymentId: `db-stop-${composition}`,
    // Behind a queue of its own (BullMQ, SQS), a delivery that failed on the stopped database
    // is retried with backoff: 1 s doubling to `backoffMaxSeconds` (default 300 s). A stop that
    // outlasts a few retries — the restart's crash recovery is slow on a loaded machine — would
    // leave some runs waiting minutes after the database is back; 5 s keeps the test short.
    delivery: { backoffMaxSeconds: 5 },
    logger,
  });
  try {
    const result = await runThroughOutage({
      world,
      logEntries: logger.lines,
      outage: immediateStop(servers.pg),
      runs: RUNS,
      outageMs: DOWN_MS,
      // Generous: crash recovery, then leases of deliveries cut short lapse (5 s), on a loaded machine.
      recoveryTimeoutMs: 180_000,
    });
    recordFigures({
      composition,
      scenario: 'database immediate stop',
      ...result,
      detail: `down ${DOWN_MS / 1000} s; runs in flight at the stop: ${result.activeAtOutage}; warn/error lines: ${result.errorsLogged}`,
    });
    expect(result.activeAtOutage, 'the stop must hit runs in flight').toBeGreaterThan(0);
    expectEveryRunCompleted(
      result,
      RUNS,
      logger.lines
        .slice(-60)
        .map((line) => `${line.level} ${line.message} ${JSON.stringify(line.details ?? {})}`)
        .join('\n'),
    );
  } finally {
    await world.close?.();
  }
}

describe(`PostgreSQL stopped immediately for ${DOWN_MS / 1000} s with ${RUNS} runs in flight, restarted on its data: every run completes, no event twice`, () => {
  it('postgres all-in-one', async () => {
    await stopDatabaseImmediately('postgres', {
      REL_POSTGRES_URL: servers.pg.url,
      REL_POSTGRES_SCHEMA: 'stop_pg',
    });
  }, 300_000);

  it('postgres storage + bullmq queue', async () => {
    await stopDatabaseImmediately('postgres-bullmq', {
      REL_POSTGRES_URL: servers.pg.url,
      REL_POSTGRES_SCHEMA: 'stop_bullmq',
      REL_REDIS_URL: servers.redis.url,
      REL_REDIS_PREFIX: 'stop',
    });
  }, 300_000);

  it('postgres storage + sqs queue', async () => {
    await stopDatabaseImmediately('postgres-sqs', {
      REL_POSTGRES_URL: servers.pg.url,
      REL_POSTGRES_SCHEMA: 'stop_sqs',
      REL_SQS_ENDPOINT: servers.fauxqs.endpoint,
      REL_SQS_QUEUE: 'stop-postgres',
    });
  }, 300_000);
});
