import {
  type ComposedWorld,
  checkCompatibility,
  deleteVersion,
  drainReport,
  type LoadedWorkflowCode,
  listUpgrades,
  type UpgradeStrategy,
  upgradeRun,
  upgradeRuns,
  VersionInUseError,
} from '@worldkit/core';
import { listAllEvents } from '@worldkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRun, resumeHook, start } from 'workflow/api';
import {
  isEventOfType,
  startLocalWorldWithFixtureVersions,
  startOn,
  uniqueToken,
  untilEvent,
  untilFinished,
  untilHook,
} from './support/versions.js';

// Two builds of the same workflow file, loaded side by side into one process and one World.
// v2 changes what the `greet` step returns, so every result says which version ran each step.
const V1 = 'vers_fixture_v1';
const V2 = 'vers_fixture_v2';

let world: ComposedWorld;
let v1: LoadedWorkflowCode;
let v2: LoadedWorkflowCode;

beforeAll(async () => {
  ({ world, v1, v2 } = await startLocalWorldWithFixtureVersions({ v1: V1, v2: V2 }));
});

afterAll(async () => {
  await world?.close();
});

describe('two versions in one process', () => {
  it('runs each version with its own steps although their stepIds are identical', async () => {
    const [one, two] = await Promise.all([
      startOn(world, v1, 'chainWorkflow', [0]),
      startOn(world, v2, 'chainWorkflow', [0]),
    ]);
    expect(await one.returnValue).toEqual({ greeting: 'hello chain 0 from v1', next: null });
    expect(await two.returnValue).toEqual({ greeting: 'hello chain 0 from v2', next: null });
    expect((await world.runs.get(one.runId)).deploymentId).toBe(V1);
    expect((await world.runs.get(two.runId)).deploymentId).toBe(V2);
  });
});

describe('pinning and routing', () => {
  it('finishes sleeping and hook-waiting v1 runs on v1 after v2 is promoted; new runs go to v2', async () => {
    await world.worldkit.versions.promote(V1);
    const token = uniqueToken('pinned');
    const sleeping = await startOn(world, v1, 'sleepingWorkflow', ['pinned', '1s']);
    const waiting = await startOn(world, v1, 'hookWaitingWorkflow', [token]);
    await untilEvent(world, sleeping.runId, 'wait_created');
    await untilHook(world, waiting.runId, token);

    await world.worldkit.versions.promote(V2);
    expect(await world.resolveLatestDeploymentId()).toBe(V2);
    await resumeHook(token, { value: 1 });

    expect(await sleeping.returnValue).toEqual({
      first: 'hello pinned from v1',
      second: 'hello pinned again from v1',
    });
    expect(await waiting.returnValue).toEqual({
      first: 'hello hook from v1',
      second: 'hello payload 1 from v1',
    });

    const fresh = await start(v1.workflow('chainWorkflow'), [0], {
      world,
      deploymentId: 'latest',
    });
    expect((await world.runs.get(fresh.runId)).deploymentId).toBe(V2);
    expect(await fresh.returnValue).toEqual({ greeting: 'hello chain 0 from v2', next: null });
  });

  it('lets a workflow continue itself on the latest version from a step', async () => {
    await world.worldkit.versions.promote(V2);
    const run = await startOn(world, v1, 'chainWorkflow', [1]);
    const result = (await run.returnValue) as { greeting: string; next: string };
    expect(result.greeting).toBe('hello chain 1 from v1');
    const next = await untilFinished(world, result.next);
    expect(next.deploymentId).toBe(V2);
    expect(next.status).toBe('completed');
  });
});

/** What each strategy must produce for a run that greeted on v1 before the upgrade. */
const expectations: Record<
  UpgradeStrategy,
  { sleeping: { first: string; second: string }; hook: { first: string; second: string } }
> = {
  // Same input, everything runs again on v2.
  'cancel-and-restart': {
    sleeping: { first: 'hello up from v2', second: 'hello up again from v2' },
    hook: { first: 'hello hook from v2', second: 'hello payload 7 from v2' },
  },
  // The first step's v1 result is carried over; only what comes after runs on v2.
  'cancel-and-resume': {
    sleeping: { first: 'hello up from v1', second: 'hello up again from v2' },
    hook: { first: 'hello hook from v1', second: 'hello payload 7 from v2' },
  },
  // Cut right after the first step completed: same visible result as resume, but the sleep and
  // the hook are created again by the new run.
  'cancel-and-partial-resume': {
    sleeping: { first: 'hello up from v1', second: 'hello up again from v2' },
    hook: { first: 'hello hook from v1', second: 'hello payload 7 from v2' },
  },
};

describe.each(Object.keys(expectations) as UpgradeStrategy[])('upgrade with %s', (strategy) => {
  const cutAfterFirstStep = async (runId: string) =>
    strategy === 'cancel-and-partial-resume'
      ? (await untilEvent(world, runId, 'step_completed')).eventId
      : undefined;

  it('moves a sleeping run to v2, where it completes after its original deadline', async () => {
    const old = await startOn(world, v1, 'sleepingWorkflow', ['up', '2s']);
    const wait = await untilEvent(world, old.runId, 'wait_created');
    const cutAfterEventId = await cutAfterFirstStep(old.runId);

    const dry = await upgradeRun(world, old.runId, {
      to: V2,
      strategy,
      cutAfterEventId,
      dryRun: true,
    });
    expect(dry.status).toBe('dry-run');
    expect((await world.runs.get(old.runId)).status).not.toBe('cancelled');

    const result = await upgradeRun(world, old.runId, { to: V2, strategy, cutAfterEventId });
    expect(result).toMatchObject({ status: 'upgraded', fromVersion: V1, toVersion: V2 });
    expect((await world.runs.get(old.runId)).status).toBe('cancelled');
    const upgraded = await untilFinished(world, result.newRunId!);
    expect(upgraded.status).toBe('completed');
    expect(upgraded.deploymentId).toBe(V2);
    expect(upgraded.output).toBeDefined();
    const newRun = await world.runs.get(result.newRunId!);
    expect(newRun.executionContext?.worldkitUpgrade).toMatchObject({ fromRunId: old.runId });

    const events = await listAllEvents(world, result.newRunId!);
    const newWait = events.find(isEventOfType('wait_created'));
    if (strategy === 'cancel-and-resume') {
      // The deadline carried over instead of starting a fresh 2 s sleep.
      expect(newWait?.eventData.resumeAt).toEqual(wait.eventData.resumeAt);
    }
    expect(await getRun(result.newRunId!).returnValue).toEqual(expectations[strategy].sleeping);

    // Idempotent: the second call finds the log entry and starts nothing.
    const again = await upgradeRun(world, old.runId, { to: V2, strategy, cutAfterEventId });
    expect(again).toMatchObject({ status: 'already-upgraded', newRunId: result.newRunId });
    const log = await listUpgrades(world, { runId: old.runId });
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ newRunId: result.newRunId, status: 'completed', strategy });
  });

  it('moves a hook-waiting run to v2; the payload sent afterwards reaches the new run', async () => {
    const token = uniqueToken(strategy);
    const old = await startOn(world, v1, 'hookWaitingWorkflow', [token]);
    await untilHook(world, old.runId, token);
    const cutAfterEventId = await cutAfterFirstStep(old.runId);

    const result = await upgradeRun(world, old.runId, { to: V2, strategy, cutAfterEventId });
    expect(result.status).toBe('upgraded');
    await untilHook(world, result.newRunId!, token);
    await resumeHook(token, { value: 7 });
    const upgraded = await untilFinished(world, result.newRunId!);
    expect(upgraded.status).toBe('completed');
    expect(await getRun(result.newRunId!).returnValue).toEqual(expectations[strategy].hook);
  });
});

describe('refused upgrades', () => {
  it('refuses a run whose workflow the target does not have, and leaves it running', async () => {
    const old = await startOn(world, v1, 'legacyWorkflow', ['x']);
    await untilEvent(world, old.runId, 'wait_created');
    const result = await upgradeRun(world, old.runId, { to: V2, strategy: 'cancel-and-restart' });
    expect(result.status).toBe('refused');
    expect(result.reasons.join()).toMatch(
      /has no workflow "workflow\/\/\.\/workflows\/greetings\/\/legacyWorkflow"/,
    );
    expect((await world.runs.get(old.runId)).status).toBe('running');
    const report = await checkCompatibility(world, old.runId, V2);
    expect(report.compatible).toBe(false);
    expect(report.problems.map((problem) => problem.kind)).toContain('missing-workflow');
  });

  it('refuses to resume a log that calls a step the target does not have, and suggests a cut', async () => {
    const old = await startOn(world, v1, 'renamedStepWorkflow', ['x']);
    await untilEvent(world, old.runId, 'wait_created');
    const resume = await upgradeRun(world, old.runId, { to: V2, strategy: 'cancel-and-resume' });
    expect(resume.status).toBe('refused');
    expect(resume.reasons.join()).toMatch(/step "step\/\/\.\/workflows\/greetings\/\/shout"/);
    const report = await checkCompatibility(world, old.runId, V2);
    expect(report.problems[0]).toMatchObject({ kind: 'unknown-step' });
    const runStarted = (await listAllEvents(world, old.runId)).find(
      (event) => event.eventType === 'run_started',
    );
    expect(report.suggestedCutAfterEventId).toBe(runStarted?.eventId);
    expect((await world.runs.get(old.runId)).status).toBe('running');
  });
});

describe('drain and delete', () => {
  it('reports why v1 is still active, refuses to delete it, and deletes it once drained', async () => {
    await world.worldkit.versions.promote(V2);
    const token = uniqueToken('drain');
    const sleeping = await startOn(world, v1, 'sleepingWorkflow', ['drain', '1h']);
    const waiting = await startOn(world, v1, 'hookWaitingWorkflow', [token]);
    const wait = await untilEvent(world, sleeping.runId, 'wait_created');
    await untilHook(world, waiting.runId, token);

    const report = await drainReport(world, V1);
    expect(report.activeRuns).toBeGreaterThanOrEqual(2);
    expect(report.byReason.waitingOnHook).toBeGreaterThanOrEqual(1);
    expect(report.byReason.sleeping).toBeGreaterThanOrEqual(1);
    expect(report.earliestDrainAt).toBeNull();
    const sleeper = report.runs.find((run) => run.runId === sleeping.runId);
    expect(sleeper).toMatchObject({ reason: 'sleeping' });
    expect(sleeper?.until).toEqual(wait.eventData.resumeAt);

    const refusal = await deleteVersion(world, V1).catch((error: unknown) => error);
    expect(VersionInUseError.is(refusal)).toBe(true);
    expect((refusal as VersionInUseError).activeRuns).toBe(report.activeRuns);

    // Runs v2 cannot take are cancelled; the others are upgraded in bulk.
    const bulk = await upgradeRuns(
      world,
      { fromVersion: V1 },
      { to: V2, strategy: 'cancel-and-resume' },
    );
    expect(bulk.upgraded).toBeGreaterThanOrEqual(2);
    for (const refused of bulk.results.filter((result) => result.status === 'refused')) {
      await world.events.create(refused.runId, { eventType: 'run_cancelled' });
    }
    const drained = await drainReport(world, V1);
    expect(drained.activeRuns).toBe(0);
    await deleteVersion(world, V1);
    expect(await world.worldkit.versions.get(V1)).toBeNull();
  });
});
