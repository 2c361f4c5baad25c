import { fileURLToPath } from 'node:url';
import {
  type ComposedWorld,
  createWorld,
  deleteVersion,
  drainReport,
  type LoadedWorkflowCode,
  listUpgrades,
  loadWorkflowCode,
  upgradeRun,
  upgradeRuns,
  VersionInUseError,
} from '@worldkit/core';
import { createPostgresVersionStore, postgres } from '@worldkit/postgres';
import {
  buildWorkflows,
  listAllEvents,
  listHooks,
  type RunningServer,
  silentLogger,
  startPostgresServer,
  waitFor,
  waitForRun,
} from '@worldkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRun, resumeHook, start } from 'workflow/api';

// The upgrade path of test/versions-upgrades.test.ts on a World that is PostgreSQL end to end:
// versions, the upgrade log, runs and the queue all live in one database, so the log that makes
// upgrades idempotent is the durable table, not the in-process fallback.
const V1 = 'vers_pg_fixture_v1';
const V2 = 'vers_pg_fixture_v2';
const SCHEMA = 'versions_e2e';
const fixtures = (version: string) =>
  fileURLToPath(new URL(`./fixtures-versions/${version}`, import.meta.url));

let server: RunningServer;
let world: ComposedWorld;
let v1: LoadedWorkflowCode;
let v2: LoadedWorkflowCode;

beforeAll(async () => {
  const [started, built1, built2] = await Promise.all([
    startPostgresServer(),
    buildWorkflows({ sourceDirectory: fixtures('v1') }),
    buildWorkflows({ sourceDirectory: fixtures('v2') }),
  ]);
  server = started;
  world = createWorld({
    // A short poll interval so the wake-up after a sleep is not held back by up to a second.
    ...postgres({ connectionString: server.url, schema: SCHEMA, pollIntervalMs: 100 }),
    deploymentId: V1,
    logger: silentLogger,
  });
  v1 = loadWorkflowCode({ world, directory: built1.directory, deploymentId: V1 });
  v2 = loadWorkflowCode({ world, directory: built2.directory, deploymentId: V2 });
  await world.start();
  await world.worldkit.versions.create({ id: V1, label: 'v1', manifest: v1.manifest });
  await world.worldkit.versions.create({ id: V2, label: 'v2', manifest: v2.manifest });
  await world.worldkit.versions.promote(V1);
});

afterAll(async () => {
  await world?.close();
  await server?.stop();
});

async function startOn(code: LoadedWorkflowCode, name: string, args: unknown[]) {
  return start(code.workflow(name), args, { world, deploymentId: code.deploymentId });
}

async function untilEvent(runId: string, eventType: string) {
  return waitFor(`${eventType} in ${runId}`, 20_000, async () =>
    (await listAllEvents(world, runId)).find((event) => event.eventType === eventType),
  );
}

const uniqueToken = (label: string) =>
  `${label}-${Date.now()}-${Math.random().toString(36).slice(2)}`;

describe('upgrades on PostgreSQL', () => {
  it('moves a sleeping v1 run to v2 with cancel-and-resume, once, and logs it durably', async () => {
    const old = await startOn(v1, 'sleepingWorkflow', ['up', '2s']);
    const wait = await untilEvent(old.runId, 'wait_created');

    const result = await upgradeRun(world, old.runId, { to: V2, strategy: 'cancel-and-resume' });
    expect(result).toMatchObject({ status: 'upgraded', fromVersion: V1, toVersion: V2 });
    expect((await world.runs.get(old.runId)).status).toBe('cancelled');
    const upgraded = await waitForRun(world, result.newRunId!, 30_000);
    expect(upgraded).toMatchObject({ status: 'completed', deploymentId: V2 });
    // The first greeting is carried over from v1; only the one after the sleep ran on v2.
    expect(await getRun(result.newRunId!).returnValue).toEqual({
      first: 'hello up from v1',
      second: 'hello up again from v2',
    });
    // The deadline carried over instead of starting a fresh 2 s sleep.
    const newWait = (await listAllEvents(world, result.newRunId!)).find(
      (event) => event.eventType === 'wait_created',
    );
    expect(newWait && 'eventData' in newWait && newWait.eventData.resumeAt).toEqual(
      'eventData' in wait ? wait.eventData.resumeAt : undefined,
    );

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
    const sleeping = await startOn(v1, 'sleepingWorkflow', ['drain', '1h']);
    const waiting = await startOn(v1, 'hookWaitingWorkflow', [token]);
    const wait = await untilEvent(sleeping.runId, 'wait_created');
    await waitFor(`hook ${token}`, 20_000, async () =>
      (await listHooks(world, waiting.runId)).find((hook) => hook.token === token),
    );

    const report = await drainReport(world, V1);
    expect(report.activeRuns).toBe(2);
    expect(report.byReason.waitingOnHook).toBe(1);
    expect(report.byReason.sleeping).toBe(1);
    expect(report.earliestDrainAt).toBeNull();
    const sleeper = report.runs.find((run) => run.runId === sleeping.runId);
    expect(sleeper).toMatchObject({ reason: 'sleeping' });
    expect(sleeper?.until).toEqual('eventData' in wait ? wait.eventData.resumeAt : undefined);

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
    await waitFor(`hook ${token} on the new run`, 20_000, async () =>
      (await listHooks(world, moved!.newRunId!)).find((hook) => hook.token === token),
    );
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
