import {
  assertEventLogCompatibility,
  type ComposedWorld,
  checkCompatibility,
  IncompatibleUpgradeError,
  type LoadedWorkflowCode,
  upgradeRun,
} from '@worldkit/core';
import { listAllEvents, listHooks } from '@worldkit/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { getRun } from 'workflow/api';
import {
  startLocalWorldWithFixtureVersions,
  startOn,
  uniqueToken,
  untilEvent,
  untilFinished,
  untilHook,
} from './support/versions.js';

// The replay check runs the target version's workflow code over an old run's event log. v2 of
// `reorderedWorkflow` sleeps before it greets (v1 greets, then sleeps): same step, same
// manifest entries, different order — only a replay can tell. v2 of `sleepingWorkflow` only
// changes what the `greet` step returns, which a replay must accept.
const V1 = 'vers_replay_v1';
const V2 = 'vers_replay_v2';

let world: ComposedWorld;
let v1: LoadedWorkflowCode;
let v2: LoadedWorkflowCode;

beforeAll(async () => {
  ({ world, v1, v2 } = await startLocalWorldWithFixtureVersions({ v1: V1, v2: V2 }));
});

afterAll(async () => {
  await world?.close();
});

afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * Counts every write and send that reaches the real World while `check` runs. The spies call
 * through; they only count. The runs under test are idle (sleeping or waiting on a hook), so
 * any call during the check would be the check's own.
 */
async function withoutSideEffects<T>(runId: string, check: () => Promise<T>): Promise<T> {
  const eventsBefore = await listAllEvents(world, runId);
  const hooksBefore = await listHooks(world, runId);
  const writes = vi.spyOn(world.events, 'create');
  const sends = vi.spyOn(world, 'queue');
  const result = await check();
  expect(writes).not.toHaveBeenCalled();
  expect(sends).not.toHaveBeenCalled();
  writes.mockRestore();
  sends.mockRestore();
  expect(await listAllEvents(world, runId)).toEqual(eventsBefore);
  expect(await listHooks(world, runId)).toEqual(hooksBefore);
  return result;
}

describe('replay check: code that calls the same steps in another order', () => {
  it('reports the divergent event and a cut point, and a partial resume there completes on v2', async () => {
    const old = await startOn(world, v1, 'reorderedWorkflow', ['reordered']);
    await untilEvent(world, old.runId, 'wait_created');
    const log = await listAllEvents(world, old.runId);
    const greetCreated = log.find((event) => event.eventType === 'step_created');
    const runStarted = log.find((event) => event.eventType === 'run_started');

    const report = await withoutSideEffects(old.runId, () =>
      checkCompatibility(world, old.runId, V2),
    );
    expect(report.compatible).toBe(false);
    expect(report.replay).toBe('diverged');
    expect(report.problems).toEqual([
      expect.objectContaining({ kind: 'replay-divergence', eventId: greetCreated?.eventId }),
    ]);
    expect(report.suggestedCutAfterEventId).toBe(runStarted?.eventId);

    const refusal = await assertEventLogCompatibility(
      world,
      await world.runs.get(old.runId),
      V2,
    ).catch((error: unknown) => error);
    expect(IncompatibleUpgradeError.is(refusal)).toBe(true);

    // A full resume would hand v2 a log it cannot reproduce: upgradeRun refuses and writes nothing.
    const refused = await upgradeRun(world, old.runId, { to: V2, strategy: 'cancel-and-resume' });
    expect(refused.status).toBe('refused');
    expect(refused.reasons.join(' ')).toMatch(/cannot replay/);
    expect((await world.runs.get(old.runId)).status).not.toBe('cancelled');

    // The kept part replays on v2: nothing of it was written by a call v2 does not make.
    const atCut = await withoutSideEffects(old.runId, () =>
      checkCompatibility(world, old.runId, V2, {
        cutAfterEventId: report.suggestedCutAfterEventId,
      }),
    );
    expect(atCut).toMatchObject({ compatible: true, problems: [], replay: 'compatible' });

    const result = await upgradeRun(world, old.runId, {
      to: V2,
      strategy: 'cancel-and-partial-resume',
      cutAfterEventId: report.suggestedCutAfterEventId,
    });
    expect(result.status).toBe('upgraded');
    // v2 sleeps first (1 h); end the sleep instead of waiting for it.
    await untilEvent(world, result.newRunId!, 'wait_created');
    await getRun(result.newRunId!).wakeUp();
    const upgraded = await untilFinished(world, result.newRunId!);
    expect(upgraded).toMatchObject({ status: 'completed', deploymentId: V2 });
    expect(await getRun(result.newRunId!).returnValue).toBe('hello reordered from v2');
  });
});

describe('replay check: code whose steps changed only inside', () => {
  it('accepts a sleeping run whose greet step changed its body, without side effects', async () => {
    const old = await startOn(world, v1, 'sleepingWorkflow', ['same', '1h']);
    await untilEvent(world, old.runId, 'wait_created');
    const report = await withoutSideEffects(old.runId, () =>
      checkCompatibility(world, old.runId, V2),
    );
    expect(report).toEqual({
      compatible: true,
      problems: [],
      replay: 'compatible',
      hookTokens: { explicit: 0, generated: 0 },
    });
    await assertEventLogCompatibility(world, await world.runs.get(old.runId), V2);
    await world.events.create(old.runId, { eventType: 'run_cancelled' });
  });

  it('accepts a hook-waiting run cut before its hook; the hook the replay re-creates stays in the sandbox', async () => {
    const token = uniqueToken('replay');
    const old = await startOn(world, v1, 'hookWaitingWorkflow', [token]);
    await untilHook(world, old.runId, token);
    // Cut after the first step: the replay creates the hook again (with the old run's token).
    const cut = (await untilEvent(world, old.runId, 'step_completed')).eventId;
    const report = await withoutSideEffects(old.runId, () =>
      checkCompatibility(world, old.runId, V2, { cutAfterEventId: cut }),
    );
    expect(report).toEqual({
      compatible: true,
      problems: [],
      replay: 'compatible',
      hookTokens: { explicit: 1, generated: 0 },
    });
    await world.events.create(old.runId, { eventType: 'run_cancelled' });
  });
});

describe('replay check: when it cannot run', () => {
  it('says the replay was not checked when the target code is not loaded here', async () => {
    const old = await startOn(world, v1, 'sleepingWorkflow', ['elsewhere', '1h']);
    await untilEvent(world, old.runId, 'wait_created');
    await world.worldkit.versions.create({
      id: 'vers_replay_remote',
      label: 'remote',
      manifest: v2.manifest,
    });
    const report = await checkCompatibility(world, old.runId, 'vers_replay_remote');
    expect(report).toMatchObject({ compatible: true, replay: 'not-checked' });
    expect(report.replayNotCheckedReason).toMatch(/not loaded in this process/);
    // A dry run says so as well, in its reasons (what the CLI prints), not only in a field.
    const dry = await upgradeRun(world, old.runId, {
      to: 'vers_replay_remote',
      strategy: 'cancel-and-resume',
      dryRun: true,
    });
    expect(dry.status).toBe('dry-run');
    expect(dry.replayNotCheckedReason).toMatch(/not loaded in this process/);
    expect(dry.reasons.join('\n')).toMatch(/replay not checked: the code of version/);
    await world.events.create(old.runId, { eventType: 'run_cancelled' });
  });
});
