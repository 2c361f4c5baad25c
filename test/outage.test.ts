import { createWorld } from '@worldkit/core';
import { localStorage, localStreamer } from '@worldkit/local';
import { postgres, postgresStorage } from '@worldkit/postgres';
import { bullmqQueue, redisStreamer } from '@worldkit/redis';
import { sqsQueue } from '@worldkit/sqs';
import { type OutageProxy, type RestartableServer, startOutageProxy } from '@worldkit/test-servers';
import { recordingLogger } from '@worldkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Outage, type OutageResult, runThroughOutage } from './outage/run-through-outage.js';
import { useReliabilityServers } from './reliability/servers.js';

/**
 * Backend outages: a backend goes away for 3 s while 30 runs are mid-flight, then comes back
 * with its data. Every run must still complete, no step may complete twice, and the World
 * must say so once per connection, not once per retry.
 */

const RUNS = 30;
const OUTAGE_MS = 3_000;
/**
 * warn + error lines allowed for one 3 s outage: one per connection that noticed it (each
 * World here has at most five), never one per retry or per message. An outage report warns at
 * most once a minute however the backend flaps while it comes back (createOutageReport's quiet
 * window), so on a machine slow enough that the runs take over a minute to finish, each
 * connection may say so once more per minute: the bound scales with the minutes counted.
 */
const MOST_ERRORS_LOGGED = 5;
const QUIET_WINDOW_MS = 60_000;

// fauxqs accepts any credentials; fixed fake ones keep real keys from being sent anywhere and
// stop the SDK from probing instance metadata.
process.env.AWS_ACCESS_KEY_ID = 'local';
process.env.AWS_SECRET_ACCESS_KEY = 'local';
process.env.AWS_REGION = 'us-east-1';
process.env.AWS_EC2_METADATA_DISABLED = 'true';
delete process.env.AWS_SESSION_TOKEN;
delete process.env.AWS_PROFILE;

const servers = useReliabilityServers(['pg', 'redis', 'fauxqs'], 120_000);
let sqsProxy: OutageProxy;

beforeAll(async () => {
  sqsProxy = await startOutageProxy(servers.fauxqs.port);
});
afterAll(async () => {
  await sqsProxy?.close();
});

function restarting(server: RestartableServer): Outage {
  return { begin: () => server.stopServer(), end: () => server.startAgain() };
}

function report(name: string, result: OutageResult) {
  console.log(
    `outage (${name} ${OUTAGE_MS / 1000} s): runs=${result.runs} in flight=${result.activeAtOutage} completed=${result.completed} duplicated=${result.duplicated} errors-logged=${result.errorsLogged} recovered in ${(result.recoveryMs / 1000).toFixed(1)} s`,
  );
  for (const [message, count] of Object.entries(result.errorsByMessage)) {
    console.log(`  ${count} × ${message}`);
  }
  // The outage must have interrupted real work, or the test proves nothing.
  expect(result.activeAtOutage).toBeGreaterThan(0);
  expect({
    completed: result.completed,
    duplicated: result.duplicated,
    unfinished: result.unfinished,
  }).toEqual({ completed: RUNS, duplicated: 0, unfinished: [] });
  // Said, and said once: every line names its connection, and none repeats.
  expect(result.errorsLogged).toBeGreaterThan(0);
  const windows = Math.ceil(result.durationMs / QUIET_WINDOW_MS);
  expect(result.errorsLogged).toBeLessThanOrEqual(MOST_ERRORS_LOGGED * windows);
  expect(Object.values(result.errorsByMessage).filter((count) => count > windows)).toEqual([]);
}

describe('backend outages: 30 runs in flight, the backend is down for 3 s, every run completes once', () => {
  it('redis (postgres storage + bullmq queue + redis streamer), redis-server stopped and restarted', async () => {
    const logger = recordingLogger();
    const world = createWorld({
      storage: postgresStorage({ connectionString: servers.pg.url }),
      // A job whose reply was lost in the outage stays `active` in Redis until its lock lapses
      // and BullMQ's stalled check hands it back: 5 s here rather than the default 30 s, as
      // the postgres and SQS cases shorten their lease.
      queue: bullmqQueue({ url: servers.redis.url, prefix: 'outage', lockDurationMs: 5_000 }),
      streamer: redisStreamer({ url: servers.redis.url, prefix: 'outage' }),
      deploymentId: 'outage-redis',
      logger,
    });
    try {
      const result = await runThroughOutage({
        world,
        logEntries: logger.lines,
        outage: restarting(servers.redis),
        runs: RUNS,
        outageMs: OUTAGE_MS,
        // Generous: the wait ends when every run has finished; a loaded machine needs longer.
        recoveryTimeoutMs: 150_000,
      });
      report('redis', result);
    } finally {
      await world.close?.();
    }
  }, 240_000);

  it('postgresql (postgres all-in-one), the cluster stopped and restarted on its data directory', async () => {
    const logger = recordingLogger();
    const world = createWorld({
      // A delivery whose outcome could not be written while the database was down comes
      // back when its lease runs out: 5 s here rather than the default 30 s.
      ...postgres({ connectionString: servers.pg.url, visibilityTimeoutSeconds: 5 }),
      deploymentId: 'outage-postgres',
      logger,
    });
    try {
      const result = await runThroughOutage({
        world,
        logEntries: logger.lines,
        outage: restarting(servers.pg),
        runs: RUNS,
        outageMs: OUTAGE_MS,
        // Generous: the wait ends when every run has finished; a loaded machine needs longer.
        recoveryTimeoutMs: 150_000,
      });
      report('postgresql', result);
    } finally {
      await world.close?.();
    }
  }, 240_000);

  it('postgresql under a Redis queue (postgres storage + bullmq queue), the cluster stopped and restarted', async () => {
    // Only the storage goes away: the queue keeps delivering, and every handler fails on its
    // storage calls. The failed deliveries are what an operator sees (this composition used to
    // log nothing through such an outage).
    const logger = recordingLogger();
    const world = createWorld({
      storage: postgresStorage({ connectionString: servers.pg.url }),
      queue: bullmqQueue({ url: servers.redis.url, prefix: 'outage-pg', lockDurationMs: 5_000 }),
      streamer: redisStreamer({ url: servers.redis.url, prefix: 'outage-pg' }),
      deploymentId: 'outage-postgres-bullmq',
      // Deliveries that failed in the outage retry with backoff, 1 s doubling to
      // `delivery.backoffMaxSeconds` (default 300 s): on a loaded machine, where the outage as
      // the World sees it outlasts several retries, some would wait minutes after the backend
      // is back. 5 s keeps the wait about the outage, not the backoff.
      delivery: { backoffMaxSeconds: 5 },
      logger,
    });
    try {
      const result = await runThroughOutage({
        world,
        logEntries: logger.lines,
        outage: restarting(servers.pg),
        runs: RUNS,
        outageMs: OUTAGE_MS,
        // Generous: the wait ends when every run has finished; a loaded machine needs longer.
        recoveryTimeoutMs: 150_000,
      });
      report('postgresql under bullmq', result);
      expect(Object.keys(result.errorsByMessage).join('\n')).toMatch(
        /workflow deliveries are failing/,
      );
    } finally {
      await world.close?.();
    }
  }, 240_000);

  it('sqs emulator (local storage + sqs queue), cut off behind a proxy and restored', async () => {
    const logger = recordingLogger();
    const world = createWorld({
      storage: localStorage(),
      streamer: localStreamer(),
      queue: sqsQueue({
        queueName: 'outage',
        setup: true,
        endpoint: sqsProxy.endpoint,
        region: 'us-east-1',
        poll: true,
        // A message whose delete failed in the outage comes back after this, not after 30 s.
        visibilityTimeoutSeconds: 5,
        waitTimeSeconds: 2,
        closeTimeoutMs: 2_000,
      }),
      deploymentId: 'outage-sqs',
      // Deliveries that failed in the outage retry with backoff, 1 s doubling to
      // `delivery.backoffMaxSeconds` (default 300 s): on a loaded machine, where the outage as
      // the World sees it outlasts several retries, some would wait minutes after the backend
      // is back. 5 s keeps the wait about the outage, not the backoff.
      delivery: { backoffMaxSeconds: 5 },
      logger,
    });
    try {
      const result = await runThroughOutage({
        world,
        logEntries: logger.lines,
        outage: { begin: () => sqsProxy.cut(), end: () => sqsProxy.restore() },
        runs: RUNS,
        outageMs: OUTAGE_MS,
        // Generous: the wait ends when every run has finished; a loaded machine needs longer.
        recoveryTimeoutMs: 150_000,
      });
      report('sqs', result);
    } finally {
      await world.close?.();
    }
  }, 240_000);
});
