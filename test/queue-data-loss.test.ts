import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import type { World } from '@workflow/world';
import { createWorld, recoverStalledRuns } from '@worldkit/core';
import { postgres, postgresStorage, postgresStreamer } from '@worldkit/postgres';
import { bullmqQueue } from '@worldkit/redis';
import { listAllEvents, recordingLogger, waitFor } from '@worldkit/testing';
import { describe, expect, it } from 'vitest';
import { type OutageResult, runThroughOutage } from './outage/run-through-outage.js';
import { compositionParts } from './reliability/compositions.mjs';
import { recordFigures } from './reliability/figures.js';
import { useReliabilityServers } from './reliability/servers.js';
import { purgeSqsQueue } from './reliability/sqs-purge.js';

/**
 * "The queue lost everything": its data is wiped while 30 runs are in flight (Redis flushed
 * under BullMQ, the PostgreSQL queue's rows deleted, PurgeQueue on SQS). Storage still knows every run; the
 * World's periodic recovery finds the runs nothing will wake and queues them again. Every
 * run must complete, and no step may complete twice.
 */
const RUNS = 30;
/** Recovery settings short enough for a test: a pass a second, stuck after 3 s. */
const RECOVERY = { intervalMs: 1_000, staleAfterMs: 3_000 };

/**
 * Every run parked on its 15 s sleep, so the wipe takes each run's only wake-up with it: without
 * recovery every run would stay stuck, on any machine.
 */
const parked = (world: World) => ({
  workflow: 'parkedWorkflow',
  readyForOutage: (runIds: string[]) =>
    // Generous, for a loaded machine; a check every 500 ms at most, as each
    // reads every run's log and a tighter loop competes with the runs it waits for.
    waitFor('every run to be parked on its sleep', 180_000, async () => {
      const logs = await Promise.all(runIds.map((runId) => listAllEvents(world, runId)));
      if (logs.every((log) => log.some((event) => event.eventType === 'wait_created'))) return true;
      await new Promise((resolve) => setTimeout(resolve, 500));
      return undefined;
    }).then(() => undefined),
});

const servers = useReliabilityServers(['pg', 'redis', 'fauxqs', 'dynamodb']);

/**
 * FLUSHALL over a raw connection (the test needs no Redis client of its own), so the restart
 * below comes back empty whatever the server's persistence settings.
 */
function flushRedis(url: string): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write('*1\r\n$8\r\nFLUSHALL\r\n'));
    socket.once('data', (reply) => {
      socket.end();
      if (reply.toString().startsWith('+OK')) resolve();
      else reject(new Error(`FLUSHALL answered ${reply.toString().trim()}`));
    });
    socket.once('error', reject);
  });
}

async function psql(url: string, sql: string): Promise<void> {
  await promisify(execFile)('psql', [url, '-v', 'ON_ERROR_STOP=1', '-c', sql]);
}

function expectAllRecovered(composition: string, wipe: string, result: OutageResult) {
  recordFigures({
    composition,
    scenario: 'queue wiped, then recovery',
    ...result,
    detail: `${wipe} with ${result.activeAtOutage} runs parked on a sleep; recovery pass every ${RECOVERY.intervalMs / 1000} s`,
  });
  expect(result.activeAtOutage, 'the wipe must hit runs in flight').toBeGreaterThan(0);
  expect({
    completed: result.completed,
    lost: result.lost,
    stuck: result.stuck,
    duplicated: result.duplicated,
    duplicateEvents: result.duplicateEvents,
    unfinished: result.unfinished,
  }).toEqual({
    completed: result.runs,
    lost: 0,
    stuck: 0,
    duplicated: 0,
    duplicateEvents: 0,
    unfinished: [],
  });
}

describe('the queue loses all its data while runs are in flight', () => {
  it('BullMQ: Redis restarted empty — recovery re-queues the stuck runs, every run completes once', async () => {
    const logger = recordingLogger();
    const world = createWorld({
      storage: postgresStorage({ connectionString: servers.pg.url, schema: 'loss_bullmq' }),
      streamer: postgresStreamer({ connectionString: servers.pg.url, schema: 'loss_bullmq' }),
      queue: bullmqQueue({ url: servers.redis.url, prefix: 'loss', lockDurationMs: 5_000 }),
      deploymentId: 'loss-bullmq',
      recovery: RECOVERY,
      logger,
    });
    try {
      const result = await runThroughOutage({
        world,
        logEntries: logger.lines,
        // Redis comes back empty: stopped, flushed and started again, the delayed jobs that
        // were to wake the runs are gone.
        ...parked(world),
        outage: {
          begin: async () => {
            await flushRedis(servers.redis.url);
            await servers.redis.stopServer();
          },
          end: () => servers.redis.startAgain(),
        },
        runs: RUNS,
        outageMs: 1_000,
        recoveryTimeoutMs: 90_000,
      });
      expectAllRecovered('postgres-bullmq', 'Redis FLUSHALL and restart', result);
      expect(
        logger.lines.some((line) => /re-queued \d+ stuck run\(s\)/.test(line.message)),
        'the recovery says what it did',
      ).toBe(true);
    } finally {
      await world.close?.();
    }
  }, 180_000);

  it('PostgreSQL queue: its rows deleted — same', async () => {
    const logger = recordingLogger();
    const world = createWorld({
      ...postgres({
        connectionString: servers.pg.url,
        schema: 'loss_pg',
        visibilityTimeoutSeconds: 5,
      }),
      deploymentId: 'loss-postgres',
      recovery: RECOVERY,
      logger,
    });
    try {
      const result = await runThroughOutage({
        world,
        logEntries: logger.lines,
        ...parked(world),
        outage: {
          begin: () =>
            psql(
              servers.pg.url,
              'DELETE FROM loss_pg.queue_messages; DELETE FROM loss_pg.queue_idempotency_keys',
            ),
          end: async () => {},
        },
        runs: RUNS,
        outageMs: 100,
        recoveryTimeoutMs: 90_000,
      });
      expectAllRecovered('postgres', 'queue tables emptied', result);
      expect(logger.lines.some((line) => /re-queued \d+ stuck run\(s\)/.test(line.message))).toBe(
        true,
      );
    } finally {
      await world.close?.();
    }
  }, 180_000);
  // DynamoDB Local is slower than PostgreSQL: runs that parked first may already be past their
  // sleep, their step's message in the queue, when the purge comes. Recovery then wakes them
  // and the replay sends that step again; the re-send is keyed apart from the purged message,
  // so the SQS transport's in-process idempotency window does not drop it
  // (test/sqs-purge-recovery.test.ts isolates that case).
  for (const [composition, runs] of [
    ['postgres-sqs', RUNS],
    ['dynamodb-sqs', 12],
  ] as const) {
    it(`SQS (${composition}): PurgeQueue — same`, async () => {
      const logger = recordingLogger();
      const queueName = `loss-${composition}`;
      const world = createWorld({
        ...(await compositionParts({
          ...process.env,
          REL_COMPOSITION: composition,
          REL_POSTGRES_URL: servers.pg.url,
          REL_POSTGRES_SCHEMA: 'loss_sqs',
          REL_SQS_ENDPOINT: servers.fauxqs.endpoint,
          REL_SQS_QUEUE: queueName,
          REL_DYNAMODB_ENDPOINT: servers.dynamodb.endpoint,
          REL_DYNAMODB_TABLE: 'loss-dynamodb-sqs',
        })),
        deploymentId: `loss-${composition}`,
        recovery: RECOVERY,
        logger,
      });
      try {
        const result = await runThroughOutage({
          world,
          logEntries: logger.lines,
          ...parked(world),
          outage: {
            begin: () => purgeSqsQueue(servers.fauxqs.endpoint, queueName),
            end: async () => {},
          },
          runs,
          outageMs: 100,
          recoveryTimeoutMs: 180_000,
        });
        expectAllRecovered(composition, 'SQS PurgeQueue', result);
        expect(logger.lines.some((line) => /re-queued \d+ stuck run\(s\)/.test(line.message))).toBe(
          true,
        );
      } finally {
        await world.close?.();
      }
    }, 420_000);
  }
});

describe('recoverStalledRuns', () => {
  it('leaves alone what is healthy: a fresh run, a run sleeping towards a future deadline', async () => {
    const world = createWorld({
      ...postgres({ connectionString: servers.pg.url, schema: 'loss_dry' }),
      deploymentId: 'loss-dry',
      recovery: { intervalMs: false },
      logger: recordingLogger(),
    });
    try {
      await world.start?.();
      const created = await world.events.create(null, {
        eventType: 'run_created',
        specVersion: 2,
        eventData: {
          deploymentId: 'loss-dry',
          workflowName: 'workflow//w',
          input: new Uint8Array(),
        },
      } as never);
      const runId = created.run!.runId;
      // Pending for a moment: not stale yet.
      expect((await recoverStalledRuns(world, { staleAfterMs: 60_000 })).stalled).toEqual([]);
      // Pending for longer than the threshold (judged at a later `now`): its first message is gone.
      const later = new Date(Date.now() + 120_000);
      const dry = await recoverStalledRuns(world, {
        staleAfterMs: 60_000,
        now: later,
        dryRun: true,
      });
      expect(dry).toMatchObject({ dryRun: true, requeued: 0 });
      expect(dry.stalled).toEqual([expect.objectContaining({ runId, reason: 'never-started' })]);

      // Started and sleeping until well after `later`: left alone.
      await world.events.create(runId, { eventType: 'run_started' } as never);
      await world.events.create(runId, {
        eventType: 'wait_created',
        correlationId: 'wait_01JZZZZZZZZZZZZZZZZZZZZZZZ',
        eventData: { resumeAt: new Date(Date.now() + 3_600_000) },
      } as never);
      expect(
        (await recoverStalledRuns(world, { staleAfterMs: 60_000, now: later })).stalled,
      ).toEqual([]);
      // Once its deadline is long past with no wake-up, it is stuck.
      const muchLater = new Date(Date.now() + 3 * 3_600_000);
      const due = await recoverStalledRuns(world, {
        staleAfterMs: 60_000,
        now: muchLater,
        dryRun: true,
      });
      expect(due.stalled).toEqual([expect.objectContaining({ runId, reason: 'deadline-passed' })]);
    } finally {
      await world.close?.();
    }
  }, 60_000);
});
