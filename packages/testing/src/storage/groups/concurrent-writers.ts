import { EntityConflictError } from '@workflow/errors';
import { expect } from 'vitest';
import { it } from '../../conformance.js';
import { describeWhen } from '../capability-gate.js';
import type { ResolvedCapabilities, StorageUnderTest } from '../conformance-options.js';
import {
  hookCreated,
  hookDisposed,
  hookReceived,
  runStarted,
  stepCompleted,
  stepCreated,
  waitCompleted,
  waitCreated,
} from '../event-requests.js';
import { expectSameBytes } from '../expectations.js';
import { newHookId, newHookToken, newStepId, newWaitId } from '../ids.js';
import { bytesOf } from '../payloads.js';
import {
  createHook,
  createRun,
  createRunningRun,
  createRunningStep,
  eventTypesOf,
  listAllEvents,
} from '../scenario.js';

/** Splits settled results into winners and losers, asserting every loser is an EntityConflictError. */
function winnersOf<T>(settled: PromiseSettledResult<T>[]): PromiseFulfilledResult<T>[] {
  for (const result of settled) {
    if (result.status === 'rejected') {
      expect(
        EntityConflictError.is(result.reason),
        `a losing writer must get EntityConflictError, got ${String(result.reason)}`,
      ).toBe(true);
    }
  }
  return settled.filter(
    (result): result is PromiseFulfilledResult<T> => result.status === 'fulfilled',
  );
}

const countOf = (types: string[], type: string) => types.filter((each) => each === type).length;

/**
 * Races the runtime really produces: redelivered step messages, replays suspending at the same
 * time, two workers picking up one run. Each must end with one winner (storage rules 1–4 in docs/contract.md).
 * Loads are small (≤ 8 writers) so the suite stays fast on shared machines.
 */
export function describeConcurrentWriters(
  storage: () => StorageUnderTest,
  capabilities: () => ResolvedCapabilities,
): void {
  describeWhen(capabilities, 'concurrentWriters', 'concurrent writers', () => {
    it('two concurrent step_completed for one step: exactly one succeeds', async () => {
      const run = await createRunningRun(storage());
      const step = await createRunningStep(storage(), run.runId);
      const outputs = [bytesOf('writer-a'), bytesOf('writer-b')];

      const settled = await Promise.allSettled(
        outputs.map((output) =>
          storage().events.create(run.runId, stepCompleted(step.stepId, output)),
        ),
      );
      const winners = winnersOf(settled);
      expect(
        winners,
        'storage rules 1–4 (docs/contract.md), concurrent writers: winners',
      ).toHaveLength(1);

      const winningOutput = outputs[settled.indexOf(winners[0])];
      const stored = await storage().steps.get(run.runId, step.stepId);
      expect(
        stored.status,
        'storage rules 1–4 (docs/contract.md), concurrent writers: stored.status',
      ).toBe('completed');
      expectSameBytes(stored.output, winningOutput, 'the winner’s output');
      expect(
        countOf(await eventTypesOf(storage(), run.runId), 'step_completed'),
        "storage rules 1–4 (docs/contract.md), concurrent writers: countOf(await eventTypesOf(storage(), run.runId), 'step_completed')",
      ).toBe(1);
    });

    it('many concurrent hook_created with one token on different runs: exactly one hook', async () => {
      const runs = await Promise.all(Array.from({ length: 6 }, () => createRunningRun(storage())));
      const token = newHookToken();

      const results = await Promise.all(
        runs.map((run) => storage().events.create(run.runId, hookCreated(newHookId(), token))),
      );
      const created = results.filter((result) => result.event?.eventType === 'hook_created');
      const conflicts = results.filter((result) => result.event?.eventType === 'hook_conflict');
      expect(
        created,
        'storage rules 1–4 (docs/contract.md), concurrent writers: created',
      ).toHaveLength(1);
      expect(
        conflicts,
        'storage rules 1–4 (docs/contract.md), concurrent writers: conflicts',
      ).toHaveLength(runs.length - 1);
      expect(
        conflicts.every((result) => result.hook === undefined),
        'storage rules 1–4 (docs/contract.md), concurrent writers: conflicts.every((result) => result.hook === undefined)',
      ).toBe(true);

      const holder = await storage().hooks.getByToken(token);
      expect(
        holder.runId,
        'storage rules 1–4 (docs/contract.md), concurrent writers: holder.runId',
      ).toBe(created[0].event?.runId);
      const hookCounts = await Promise.all(
        runs.map(async (run) => (await storage().hooks.list({ runId: run.runId })).data.length),
      );
      expect(
        hookCounts.reduce((sum, count) => sum + count, 0),
        'storage rules 1–4 (docs/contract.md), concurrent writers: hookCounts.reduce((sum, count) => sum + count, 0)',
      ).toBe(1);
    });

    it('hook_received racing hook_disposed never lands after the disposal', async () => {
      const run = await createRunningRun(storage());
      // Several independent hooks raise the odds of hitting the window in one pass.
      const hooks = await Promise.all(
        Array.from({ length: 8 }, () => createHook(storage(), run.runId)),
      );

      await Promise.all(
        hooks.map((hook) =>
          Promise.allSettled([
            storage().events.create(run.runId, hookReceived(hook.hookId, hook.token)),
            storage().events.create(run.runId, hookDisposed(hook.hookId, hook.token)),
          ]),
        ),
      );

      const events = await listAllEvents(storage(), run.runId);
      for (const hook of hooks) {
        const types = events
          .filter((event) => event.correlationId === hook.hookId)
          .map((event) => event.eventType);
        expect(types, `hook ${hook.hookId}`).toContain('hook_disposed');
        const disposedAt = types.indexOf('hook_disposed');
        expect(types.slice(disposedAt + 1), `events after ${hook.hookId} was disposed`).toEqual([]);
      }
    });

    it('two concurrent wait_completed for one wait: exactly one succeeds', async () => {
      const run = await createRunningRun(storage());
      const waitId = newWaitId();
      await storage().events.create(run.runId, waitCreated(waitId, new Date(Date.now() - 1)));

      const settled = await Promise.allSettled([
        storage().events.create(run.runId, waitCompleted(waitId)),
        storage().events.create(run.runId, waitCompleted(waitId)),
      ]);
      expect(
        winnersOf(settled),
        'storage rules 1–4 (docs/contract.md), concurrent writers: winnersOf(settled)',
      ).toHaveLength(1);
      expect(
        countOf(await eventTypesOf(storage(), run.runId), 'wait_completed'),
        "storage rules 1–4 (docs/contract.md), concurrent writers: countOf(await eventTypesOf(storage(), run.runId), 'wait_completed')",
      ).toBe(1);
    });
  });

  describeWhen(capabilities, 'atomicRunStart', 'concurrent run_started', () => {
    it('concurrent run_started on a pending run: all succeed, one run_started event', async () => {
      const run = await createRun(storage());
      const results = await Promise.all(
        Array.from({ length: 5 }, () => storage().events.create(run.runId, runStarted())),
      );

      expect(
        results.every((result) => result.run?.status === 'running'),
        "storage rules 1–4 (docs/contract.md), concurrent writers: results.every((result) => result.run?.status === 'running')",
      ).toBe(true);
      expect(
        results.filter((result) => result.event?.eventType === 'run_started'),
        "storage rules 1–4 (docs/contract.md), concurrent writers: results.filter((result) => result.event?.eventType === 'run_started')",
      ).toHaveLength(1);
      expect(
        (await storage().runs.get(run.runId)).status,
        'storage rules 1–4 (docs/contract.md), concurrent writers: (await storage().runs.get(run.runId)).status',
      ).toBe('running');
      expect(
        countOf(await eventTypesOf(storage(), run.runId), 'run_started'),
        "storage rules 1–4 (docs/contract.md), concurrent writers: countOf(await eventTypesOf(storage(), run.runId), 'run_started')",
      ).toBe(1);
    });
  });

  describeWhen(capabilities, 'atomicStepCreate', 'concurrent step_created', () => {
    it('concurrent step_created for one step id: exactly one step and one event', async () => {
      const run = await createRunningRun(storage());
      const stepId = newStepId();
      const settled = await Promise.allSettled(
        Array.from({ length: 4 }, (_, i) =>
          storage().events.create(run.runId, stepCreated(stepId, bytesOf(`racer-${i}`))),
        ),
      );

      expect(
        winnersOf(settled),
        'storage rules 1–4 (docs/contract.md), concurrent writers: winnersOf(settled)',
      ).toHaveLength(1);
      expect(
        countOf(await eventTypesOf(storage(), run.runId), 'step_created'),
        "storage rules 1–4 (docs/contract.md), concurrent writers: countOf(await eventTypesOf(storage(), run.runId), 'step_created')",
      ).toBe(1);
      expect(
        (await storage().steps.list({ runId: run.runId })).data,
        'storage rules 1–4 (docs/contract.md), concurrent writers: (await storage().steps.list({ runId: run.runId })).data',
      ).toHaveLength(1);
    });
  });
}
