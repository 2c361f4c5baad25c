import { EntityConflictError, HookNotFoundError } from '@workflow/errors';
import { describe, expect } from 'vitest';
import { it } from '../../conformance.js';
import type { StorageUnderTest } from '../conformance-options.js';
import { hookCreated, stepCreated, waitCompleted, waitCreated } from '../event-requests.js';
import { expectAnyRejection, expectRejection } from '../expectations.js';
import { newHookId, newHookToken, newStepId, newWaitId } from '../ids.js';
import { createHook, createRunningRun, eventTypesOf } from '../scenario.js';
import { TERMINAL_RUN_EVENTS } from './run-lifecycle.js';

/**
 * storage rule 1 in docs/contract.md: a terminal run event deletes the run's hooks and waits in the same write, which
 * frees hook tokens for other runs; and a terminal run accepts no new steps, hooks or waits.
 */
export function describeRunEndingsRelease(storage: () => StorageUnderTest): void {
  describe('what a run ending releases', () => {
    for (const ending of TERMINAL_RUN_EVENTS) {
      it(`run ${ending.status}: its hooks are deleted and their tokens are free again`, async () => {
        const run = await createRunningRun(storage());
        const token = newHookToken();
        const hook = await createHook(storage(), run.runId, token);
        const other = await createHook(storage(), run.runId);

        await storage().events.create(run.runId, ending.request());

        await expectRejection(storage().hooks.get(hook.hookId), HookNotFoundError);
        await expectRejection(storage().hooks.get(other.hookId), HookNotFoundError);
        await expectRejection(storage().hooks.getByToken(token), HookNotFoundError);
        const listed = await storage().hooks.list({ runId: run.runId });
        expect(
          listed.data,
          'storage rule 1 (docs/contract.md), a run ending removes its hooks and waits in the same write: listed.data',
        ).toEqual([]);

        const nextRun = await createRunningRun(storage());
        const reclaimed = await storage().events.create(
          nextRun.runId,
          hookCreated(newHookId(), token),
        );
        expect(reclaimed.event?.eventType, 'the freed token must be claimable').toBe(
          'hook_created',
        );
        expect(
          (await storage().hooks.getByToken(token)).runId,
          'storage rule 1 (docs/contract.md), a run ending removes its hooks and waits in the same write: (await storage().hooks.getByToken(token)).runId',
        ).toBe(nextRun.runId);
      });

      it(`run ${ending.status}: its waits are deleted, so a later wait_completed is rejected`, async () => {
        const run = await createRunningRun(storage());
        const waitId = newWaitId();
        await storage().events.create(
          run.runId,
          waitCreated(waitId, new Date(Date.now() + 60_000)),
        );

        await storage().events.create(run.runId, ending.request());

        const before = await eventTypesOf(storage(), run.runId);
        await expectAnyRejection(storage().events.create(run.runId, waitCompleted(waitId)));
        expect(
          await eventTypesOf(storage(), run.runId),
          'storage rule 1 (docs/contract.md), a run ending removes its hooks and waits in the same write: await eventTypesOf(storage(), run.runId)',
        ).toEqual(before);
      });
    }

    it('a terminal run accepts no new step, hook or wait (EntityConflictError)', async () => {
      const run = await createRunningRun(storage());
      await storage().events.create(run.runId, TERMINAL_RUN_EVENTS[0].request());
      const before = await eventTypesOf(storage(), run.runId);

      await expectRejection(
        storage().events.create(run.runId, stepCreated(newStepId())),
        EntityConflictError,
      );
      await expectRejection(
        storage().events.create(run.runId, hookCreated(newHookId(), newHookToken())),
        EntityConflictError,
      );
      await expectRejection(
        storage().events.create(run.runId, waitCreated(newWaitId(), new Date())),
        EntityConflictError,
      );
      expect(
        await eventTypesOf(storage(), run.runId),
        'storage rule 1 (docs/contract.md), a run ending removes its hooks and waits in the same write: await eventTypesOf(storage(), run.runId)',
      ).toEqual(before);
      expect(
        (await storage().steps.list({ runId: run.runId })).data,
        'storage rule 1 (docs/contract.md), a run ending removes its hooks and waits in the same write: (await storage().steps.list({ runId: run.runId })).data',
      ).toEqual([]);
    });
  });
}
