import type { Event } from '@workflow/world';
import {
  type ComposedWorld,
  checkCompatibility,
  type LoadedWorkflowCode,
  listUpgrades,
  upgradeRun,
} from '@worldkit/core';
import { listHooks, waitFor } from '@worldkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRun, resumeHook } from 'workflow/api';
import {
  startLocalWorldWithFixtureVersions,
  startOn,
  uniqueToken,
  untilEvent,
  untilFinished,
} from './support/versions.js';

// Upgrades of runs that wait on tokens the runtime generated (`createWebhook()`, `createHook()`
// without a token). The runtime draws those tokens from the run's seeded Math.random, so a new
// run generates different ones: the resume strategies re-key the copied log to the new run's
// tokens and alias the old ones, and restart is refused. These tests run the real runtime
// (@workflow/core 4.8.9) over the upgraded logs, so they fail if its token generation changes.
const V1 = 'vers_tokens_v1';
const V2 = 'vers_tokens_v2';

let world: ComposedWorld;
let v1: LoadedWorkflowCode;

beforeAll(async () => {
  ({ world, v1 } = await startLocalWorldWithFixtureVersions({ v1: V1, v2: V2 }));
});

afterAll(async () => {
  await world?.close();
});

/** Waits until the run holds `count` live hooks, and returns their tokens in creation order. */
const untilHooks = (runId: string, count: number) =>
  waitFor(`${count} hook(s) on ${runId}`, 20_000, async () => {
    const hooks = await listHooks(world, runId);
    return hooks.length >= count ? hooks.map((hook) => hook.token) : undefined;
  });

/** The old webhook URL, as the runtime built it for the v1 run; answered by v1's code. */
const postToWebhook = (token: string) =>
  v1.handleWebhook(
    new Request(`http://127.0.0.1/.well-known/workflow/v1/webhook/${encodeURIComponent(token)}`, {
      method: 'POST',
      body: 'ping',
    }),
  );

/** For a partial resume: keep the log up to the first completed step (the hooks come after). */
const cutAfterFirstStep = async (runId: string) =>
  (await untilEvent(world, runId, 'step_completed')).eventId;

const hookEvents = (events: Event[]) =>
  events.filter((event) => event.eventType === 'hook_created');

describe.each(['cancel-and-resume', 'cancel-and-partial-resume'] as const)(
  '%s of a run waiting on generated tokens',
  (strategy) => {
    it('keeps the old webhook URL: it resumes the new run, which finishes on v2', async () => {
      const old = await startOn(world, v1, 'webhookWaitingWorkflow', []);
      const [oldToken] = await untilHooks(old.runId, 1);
      const cutAfterEventId =
        strategy === 'cancel-and-partial-resume' ? await cutAfterFirstStep(old.runId) : undefined;

      const report = await checkCompatibility(world, old.runId, V2, { cutAfterEventId });
      expect(report.hookTokens).toEqual({ explicit: 0, generated: 1 });
      const dry = await upgradeRun(world, old.runId, {
        to: V2,
        strategy,
        cutAfterEventId,
        dryRun: true,
      });
      expect(dry.status, dry.reasons.join('; ')).toBe('dry-run');
      expect(dry.reasons.join('\n')).toMatch(/1 generated hook token\(s\) re-keyed to the new run/);

      const result = await upgradeRun(world, old.runId, { to: V2, strategy, cutAfterEventId });
      expect(result.status, result.reasons.join('; ')).toBe('upgraded');
      const newRunId = result.newRunId!;
      const [record] = await listUpgrades(world, { runId: old.runId });
      expect(record?.tokenAliases).toHaveLength(1);
      expect(record?.tokenAliases?.[0]?.from).toBe(oldToken);
      const newToken = record?.tokenAliases?.[0]?.to;
      expect(newToken).not.toBe(oldToken);

      // The new run's replay generates `newToken` for the same call: its hook appears under it
      // (copied for a resume; created again by the new run's own code after a partial resume).
      expect(await untilHooks(newRunId, 1)).toEqual([newToken]);
      const resolved = await world.hooks.getByToken(oldToken!);
      expect(resolved.runId).toBe(newRunId);

      const response = await postToWebhook(oldToken!);
      expect(response.status).toBe(202);
      const finished = await untilFinished(world, newRunId);
      expect(finished.status, JSON.stringify(finished.error)).toBe('completed');
      expect(finished.deploymentId).toBe(V2);
      // The first step's v1 result was carried over; the step after the webhook ran on v2.
      expect(await getRun(newRunId).returnValue).toEqual({
        first: 'hello webhook from v1',
        second: 'hello webhook POST from v2',
      });
      expect((await world.runs.get(old.runId)).status).toBe('cancelled');
    });

    it('keeps a generated and an explicit hook token of one run', async () => {
      const explicit = uniqueToken('explicit');
      const old = await startOn(world, v1, 'generatedHookWorkflow', [explicit]);
      const tokens = await untilHooks(old.runId, 2);
      const generated = tokens.find((token) => token !== explicit)!;
      const cutAfterEventId =
        strategy === 'cancel-and-partial-resume' ? await cutAfterFirstStep(old.runId) : undefined;

      const result = await upgradeRun(world, old.runId, { to: V2, strategy, cutAfterEventId });
      expect(result.status, result.reasons.join('; ')).toBe('upgraded');
      const newRunId = result.newRunId!;
      await untilHooks(newRunId, 2);

      // Both tokens reach the new run: the explicit one as is, the generated one through its alias.
      expect((await resumeHook(generated, { value: 3 })).runId).toBe(newRunId);
      expect((await resumeHook(explicit, { value: 4 })).runId).toBe(newRunId);
      const finished = await untilFinished(world, newRunId);
      expect(finished.status, JSON.stringify(finished.error)).toBe('completed');
      expect(await getRun(newRunId).returnValue).toEqual({
        first: 'hello hooks from v1',
        second: 'hello payloads 3 4 from v2',
      });
      const events = await world.events.list({
        runId: newRunId,
        pagination: { limit: 1000 },
      });
      expect(hookEvents(events.data)).toHaveLength(2);
    });
  },
);

describe('cancel-and-restart of a run waiting on generated tokens', () => {
  it('is refused before anything is written, naming the tokens it would cut off', async () => {
    const old = await startOn(world, v1, 'webhookWaitingWorkflow', []);
    const [oldToken] = await untilHooks(old.runId, 1);
    const before = await world.events.list({ runId: old.runId, pagination: { limit: 1000 } });

    const result = await upgradeRun(world, old.runId, { to: V2, strategy: 'cancel-and-restart' });
    expect(result.status).toBe('refused');
    expect(result.reasons.join('\n')).toMatch(
      /1 hook token generated by the runtime .* use cancel-and-resume/,
    );
    expect(await listUpgrades(world, { runId: old.runId })).toEqual([]);
    const after = await world.events.list({ runId: old.runId, pagination: { limit: 1000 } });
    expect(after.data.map((event) => event.eventId)).toEqual(
      before.data.map((event) => event.eventId),
    );

    // The run is untouched: its webhook still finishes it on v1.
    expect((await postToWebhook(oldToken!)).status).toBe(202);
    const finished = await untilFinished(world, old.runId);
    expect(finished.status).toBe('completed');
    expect(await getRun(old.runId).returnValue).toEqual({
      first: 'hello webhook from v1',
      second: 'hello webhook POST from v1',
    });
  });

  it('restarts a run whose only hook has an explicit token; the token reaches the new run', async () => {
    const token = uniqueToken('restart');
    const old = await startOn(world, v1, 'hookWaitingWorkflow', [token]);
    await untilHooks(old.runId, 1);
    const result = await upgradeRun(world, old.runId, { to: V2, strategy: 'cancel-and-restart' });
    expect(result.status, result.reasons.join('; ')).toBe('upgraded');
    await untilHooks(result.newRunId!, 1);
    expect((await resumeHook(token, { value: 5 })).runId).toBe(result.newRunId);
    const finished = await untilFinished(world, result.newRunId!);
    expect(finished.status).toBe('completed');
    expect(await getRun(result.newRunId!).returnValue).toEqual({
      first: 'hello hook from v2',
      second: 'hello payload 5 from v2',
    });
  });
});
