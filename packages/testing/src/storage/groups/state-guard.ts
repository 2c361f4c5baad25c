import { PreconditionFailedError } from '@workflow/errors';
import type { EventResult } from '@workflow/world';
import { expect } from 'vitest';
import { it } from '../../conformance.js';
import { describeWhen } from '../capability-gate.js';
import type { ResolvedCapabilities, StorageUnderTest } from '../conformance-options.js';
import {
  hookCreated,
  hookReceived,
  runCompleted,
  runStarted,
  stepCompleted,
  stepCreated,
  stepStarted,
  waitCompleted,
  waitCreated,
} from '../event-requests.js';
import { expectRejection } from '../expectations.js';
import { newHookId, newHookToken, newStepId, newWaitId, ulidTimeOf } from '../ids.js';
import { createRun, createRunningRun, listAllEvents, pause } from '../scenario.js';

/** The ULID time of the event a create wrote: what a replay that loaded it sends as its snapshot. */
function timeOf(result: EventResult): number {
  expect(result.event, 'events.create should return the event it wrote').toBeDefined();
  return ulidTimeOf(result.event?.eventId as string);
}

/** Waits until the clock has left `time`, so the next event id carries a later millisecond. */
async function clockPast(time: number): Promise<void> {
  while (Date.now() <= time) await pause(1);
}

/** Asserts `later` was written in a later millisecond than `snapshot`, or the test proves nothing. */
function expectLaterThan(later: number, snapshot: number, what: string): void {
  expect(later, `${what} must carry a later ULID time than the snapshot`).toBeGreaterThan(snapshot);
}

/** The time of a `run_started` event: the snapshot of a replay that loaded only the start. */
async function startRun(storage: StorageUnderTest): Promise<{ runId: string; started: number }> {
  const run = await createRun(storage);
  return {
    runId: run.runId,
    started: timeOf(await storage.events.create(run.runId, runStarted())),
  };
}

/** Creates and starts a step; returns the `step_started` time (a replay's latest loaded event). */
async function startStep(storage: StorageUnderTest, runId: string): Promise<[string, number]> {
  const stepId = newStepId();
  await storage.events.create(runId, stepCreated(stepId));
  return [stepId, timeOf(await storage.events.create(runId, stepStarted(stepId)))];
}

/**
 * The optional optimistic-concurrency guard of `CreateEventParams.stateUpdatedAt`
 * (`@workflow/world` ≥ 4.5): the storage remembers, per run, the ULID time of the newest
 * `step_completed` / `hook_received` written *without* `stateUpdatedAt` (a step worker or a hook
 * delivery, outside any replay). A create that carries an older `stateUpdatedAt` was decided by a
 * replay that had not seen that event, so it must fail with `PreconditionFailedError` (412) and
 * write nothing; an equal time passes, so an up-to-date replay is never refused.
 */
export function describeStateGuard(
  storage: () => StorageUnderTest,
  capabilities: () => ResolvedCapabilities,
): void {
  describeWhen(capabilities, 'stateGuard', 'stateUpdatedAt guard', () => {
    it('a snapshot older than an external step_completed is refused and writes nothing', async () => {
      const run = await createRunningRun(storage());
      const [stepId] = await startStep(storage(), run.runId);
      const marker = timeOf(await storage().events.create(run.runId, stepCompleted(stepId)));
      const logBefore = (await listAllEvents(storage(), run.runId)).map((event) => event.eventId);
      const stale = { stateUpdatedAt: marker - 1 };

      const newStep = newStepId();
      await expectRejection(
        storage().events.create(run.runId, stepCreated(newStep), stale),
        PreconditionFailedError,
      );
      await expectRejection(
        storage().events.create(run.runId, runCompleted(), stale),
        PreconditionFailedError,
      );

      const logAfter = (await listAllEvents(storage(), run.runId)).map((event) => event.eventId);
      expect(logAfter, 'a refused write must not reach the log').toEqual(logBefore);
      const steps = (await storage().steps.list({ runId: run.runId })).data;
      expect(
        steps.map((step) => step.stepId),
        'storage stateGuard capability (CreateEventParams.stateUpdatedAt): steps.map((step) => step.stepId)',
      ).toEqual([stepId]);
      expect(
        (await storage().runs.get(run.runId)).status,
        'storage stateGuard capability (CreateEventParams.stateUpdatedAt): (await storage().runs.get(run.runId)).status',
      ).toBe('running');
    });

    it('a snapshot at the same millisecond as the external event passes', async () => {
      const run = await createRunningRun(storage());
      const [stepId] = await startStep(storage(), run.runId);
      const marker = timeOf(await storage().events.create(run.runId, stepCompleted(stepId)));

      const created = await storage().events.create(run.runId, stepCreated(newStepId()), {
        stateUpdatedAt: marker,
      });
      expect(
        created.step?.status,
        'storage stateGuard capability (CreateEventParams.stateUpdatedAt): created.step?.status',
      ).toBe('pending');
      const ended = await storage().events.create(run.runId, runCompleted(), {
        stateUpdatedAt: marker,
      });
      expect(
        ended.run?.status,
        'storage stateGuard capability (CreateEventParams.stateUpdatedAt): ended.run?.status',
      ).toBe('completed');
    });

    it('a snapshot newer than the external event passes', async () => {
      const run = await createRunningRun(storage());
      const [stepId] = await startStep(storage(), run.runId);
      const marker = timeOf(await storage().events.create(run.runId, stepCompleted(stepId)));
      await clockPast(marker);
      // A replay that loaded the log up to an event written after the external result.
      const latest = timeOf(await storage().events.create(run.runId, stepCreated(newStepId())));
      expectLaterThan(latest, marker, 'the event after step_completed');

      const created = await storage().events.create(
        run.runId,
        waitCreated(newWaitId(), new Date(Date.now() + 60_000)),
        { stateUpdatedAt: latest },
      );
      expect(
        created.wait?.status,
        'storage stateGuard capability (CreateEventParams.stateUpdatedAt): created.wait?.status',
      ).toBe('waiting');
    });

    it('step_completed carrying stateUpdatedAt (from a replay) does not move the marker', async () => {
      const run = await createRunningRun(storage());
      const [stepId, snapshot] = await startStep(storage(), run.runId);
      await clockPast(snapshot);

      const completed = await storage().events.create(run.runId, stepCompleted(stepId), {
        stateUpdatedAt: snapshot,
      });
      expectLaterThan(timeOf(completed), snapshot, 'the replay-origin step_completed');

      const created = await storage().events.create(run.runId, stepCreated(newStepId()), {
        stateUpdatedAt: snapshot,
      });
      expect(
        created.step?.status,
        'storage stateGuard capability (CreateEventParams.stateUpdatedAt): created.step?.status',
      ).toBe('pending');
    });

    it('hook_received carrying stateUpdatedAt does not move the marker', async () => {
      const run = await createRunningRun(storage());
      const hookId = newHookId();
      const token = newHookToken();
      const snapshot = timeOf(await storage().events.create(run.runId, hookCreated(hookId, token)));
      await clockPast(snapshot);

      const received = await storage().events.create(run.runId, hookReceived(hookId, token), {
        stateUpdatedAt: snapshot,
      });
      expectLaterThan(timeOf(received), snapshot, 'the replay-origin hook_received');

      const ended = await storage().events.create(run.runId, runCompleted(), {
        stateUpdatedAt: snapshot,
      });
      expect(
        ended.run?.status,
        'storage stateGuard capability (CreateEventParams.stateUpdatedAt): ended.run?.status',
      ).toBe('completed');
    });

    it('hook_received without stateUpdatedAt moves the marker', async () => {
      const run = await createRunningRun(storage());
      const hookId = newHookId();
      const token = newHookToken();
      const snapshot = timeOf(await storage().events.create(run.runId, hookCreated(hookId, token)));
      await clockPast(snapshot);

      const marker = timeOf(await storage().events.create(run.runId, hookReceived(hookId, token)));
      expectLaterThan(marker, snapshot, 'the external hook_received');

      const wait = waitCreated(newWaitId(), new Date(Date.now() + 60_000));
      await expectRejection(
        storage().events.create(run.runId, wait, { stateUpdatedAt: snapshot }),
        PreconditionFailedError,
      );
      // The replay reloads the log (now including the payload) and retries with its time.
      const retried = await storage().events.create(run.runId, wait, { stateUpdatedAt: marker });
      expect(
        retried.wait?.status,
        'storage stateGuard capability (CreateEventParams.stateUpdatedAt): retried.wait?.status',
      ).toBe('waiting');
    });

    it('other events written without stateUpdatedAt do not move the marker', async () => {
      const { runId, started: snapshot } = await startRun(storage());
      await clockPast(snapshot);

      const [stepId] = await startStep(storage(), runId);
      await storage().events.create(runId, hookCreated(newHookId(), newHookToken()));
      const waitId = newWaitId();
      await storage().events.create(runId, waitCreated(waitId, new Date(Date.now() - 1)));
      const last = timeOf(await storage().events.create(runId, waitCompleted(waitId)));
      expectLaterThan(last, snapshot, 'the writes after the snapshot');

      const completed = await storage().events.create(runId, stepCompleted(stepId), {
        stateUpdatedAt: snapshot,
      });
      expect(
        completed.step?.status,
        'storage stateGuard capability (CreateEventParams.stateUpdatedAt): completed.step?.status',
      ).toBe('completed');
    });

    it('the marker belongs to one run: an external result elsewhere refuses nothing here', async () => {
      const other = await startRun(storage());
      await clockPast(other.started);
      const run = await createRunningRun(storage());
      const [stepId] = await startStep(storage(), run.runId);
      const marker = timeOf(await storage().events.create(run.runId, stepCompleted(stepId)));
      expectLaterThan(marker, other.started, 'the external step_completed');

      const created = await storage().events.create(other.runId, stepCreated(newStepId()), {
        stateUpdatedAt: other.started,
      });
      expect(
        created.step?.status,
        'storage stateGuard capability (CreateEventParams.stateUpdatedAt): created.step?.status',
      ).toBe('pending');
    });
  });
}
