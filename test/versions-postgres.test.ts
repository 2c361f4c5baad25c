import {
  type ComposedWorld,
  createWorld,
  deleteVersion,
  drainReport,
  type LoadedWorkflowCode,
  listUpgrades,
  upgradeRun,
  upgradeRuns,
  VersionInUseError,
} from '@worldkit/core';
import { createPostgresVersionStore, postgres } from '@worldkit/postgres';
import { type RunningServer, startPostgresServer } from '@worldkit/test-servers';
import { listAllEvents, silentLogger } from '@worldkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRun, resumeHook } from 'workflow/api';
import {
  buildVersionFixtures,
  isEventOfType,
  startOn,
  startWorldWithFixtureVersions,
  uniqueToken,
  untilEvent,
  untilFinished,
  untilHook,
} from './support/versions.js';

// The upgrade path of test/versions-upgrades.test.ts on a World that is PostgreSQL end to end:
// versions, the upgrade log, runs and the queue all live in one database, so the log that makes
// upgrades idempotent is the durable table, not the in-process fallback.
const V1 = 'vers_pg_fixture_v1';
const V2 = 'vers_pg_fixture_v2';
const SCHEMA = 'versions_e2e';

let server: RunningServer;
let world: ComposedWorld;
// v2's code is loaded too (upgraded runs execute on it); only v1 is started directly.
let v1: LoadedWorkflowCode;

beforeAll(async () => {
  const [started, builds] = await Promise.all([startPostgresServer(), buildVersionFixtures()]);
  server = started;
  world = createWorld({
    // A short poll interval so the wake-up after a sleep is not held back by up to a second.
    ...postgres({ connectionString: server.url, schema: SCHEMA, pollIntervalMs: 100 }),
    deploymentId: V1,
    logger: silentLogger,
  });
  ({ v1 } = await startWorldWithFixtureVersions(world, builds, { v1: V1, v2: V2 }));
});

afterAll(async () => {
  await world?.close();
  await server?.stop();
});

describe('upgrades on PostgreSQL', () => {
  it('moves a sleeping v1 run to v2 with cancel-and-resume, once, and logs it durably', async () => {
    const old = await startOn(world, v1, 'sleepingWorkflow', ['up', '2s']);
    const wait = await untilEvent(world, old.runId, 'wait_created');

    const result = await upgradeRun(world, old.runId, { to: V2, strategy: 'cancel-and-resume' });
    expect(result).toMatchObject({ status: 'upgraded', fromVersion: V1, toVersion: V2 });
    expect((await world.runs.get(old.runId)).status).toBe('cancelled');
    const upgraded = await untilFinished(world, result.newRunId!);
    expect(upgraded).toMatchObject({ status: 'completed', deploymentId: V2 });
    // The first greeting is carried over from v1; only the one after the sleep ran on v2.
    expect(await getRun(result.newRunId!).returnValue).toEqual({
      first: 'hello up from v1',
      second: 'hello up again from v2',
    });
    // The deadline carried over instead of starting a fresh 2 s sleep.
    const newWait = (await listAllEvents(world, result.newRunId!)).find(
      isEventOfType('wait_created'),
    );
    expect(newWait?.eventData.resumeAt).toEqual(wait.eventData.resumeAt);

    const log = await listUpgrades(world, { runId: old.runId });
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({
      runId: old.runId,
      newRunId: result.newRunId,
      status: 'completed',
      strategy: 'cancel-and-resume',
    });
    expect(log[0]?.createdAt).toBeInstanceOf(Date);

    // Idempotent: the second call finds the log entry and starts nothing.
    const again = await upgradeRun(world, old.runId, { to: V2, strategy: 'cancel-and-resume' });
    expect(again).toMatchObject({ status: 'already-upgraded', newRunId: result.newRunId });
    expect(await listUpgrades(world, { runId: old.runId })).toHaveLength(1);

    // Durable: a separate version store on the same schema reads the same record back.
    const other = createPostgresVersionStore({ connectionString: server.url, schema: SCHEMA });
    try {
      expect(await other.upgrades.findByRun(old.runId)).toEqual(log);
    } finally {
      await other.close();
    }
  });
});

describe('drain and delete on PostgreSQL', () => {
  it('reports why v1 is still active, refuses to delete it, and deletes it once drained', async () => {
    await world.worldkit.versions.promote(V2);
    const token = uniqueToken('drain');
    const sleeping = await startOn(world, v1, 'sleepingWorkflow', ['drain', '1h']);
    const waiting = await startOn(world, v1, 'hookWaitingWorkflow', [token]);
    const wait = await untilEvent(world, sleeping.runId, 'wait_created');
    await untilHook(world, waiting.runId, token);

    const report = await drainReport(world, V1);
    expect(report.activeRuns).toBe(2);
    expect(report.byReason.waitingOnHook).toBe(1);
    expect(report.byReason.sleeping).toBe(1);
    expect(report.earliestDrainAt).toBeNull();
    const sleeper = report.runs.find((run) => run.runId === sleeping.runId);
    expect(sleeper).toMatchObject({ reason: 'sleeping' });
    expect(sleeper?.until).toEqual(wait.eventData.resumeAt);

    const refusal = await deleteVersion(world, V1).catch((error: unknown) => error);
    expect(VersionInUseError.is(refusal)).toBe(true);
    expect((refusal as VersionInUseError).activeRuns).toBe(2);

    const bulk = await upgradeRuns(
      world,
      { fromVersion: V1 },
      { to: V2, strategy: 'cancel-and-resume' },
    );
    expect(bulk.upgraded).toBe(2);
    expect((await listUpgrades(world, { versionId: V1 })).length).toBe(3);

    // The hook-waiting run now lives on v2: its payload reaches the new run.
    const moved = bulk.results.find((entry) => entry.runId === waiting.runId);
    await untilHook(world, moved!.newRunId!, token);
    await resumeHook(token, { value: 7 });
    expect(await getRun(moved!.newRunId!).returnValue).toEqual({
      first: 'hello hook from v1',
      second: 'hello payload 7 from v2',
    });

    const drained = await drainReport(world, V1);
    expect(drained.activeRuns).toBe(0);
    await deleteVersion(world, V1);
    expect(await world.worldkit.versions.get(V1)).toBeNull();
  });
});
