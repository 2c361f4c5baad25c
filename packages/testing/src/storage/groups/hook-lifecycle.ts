import { EntityConflictError, HookNotFoundError } from '@workflow/errors';
import { describe, expect } from 'vitest';
import { it } from '../../conformance.js';
import type { StorageUnderTest } from '../conformance-options.js';
import { hookCreated, hookDisposed, hookReceived } from '../event-requests.js';
import { expectDate, expectRejection, expectSameBytes } from '../expectations.js';
import { newHookId, newHookToken } from '../ids.js';
import { bytesOf } from '../payloads.js';
import { createHook, createRunningRun, eventTypesOf, listAllEvents } from '../scenario.js';

/** storage rules 1, 2 and 4 in docs/contract.md for hooks: creation, token conflicts, delivery and disposal. */
export function describeHookLifecycle(storage: () => StorageUnderTest): void {
  describe('hook lifecycle', () => {
    it('hook_created creates a hook readable by id and by token', async () => {
      const run = await createRunningRun(storage());
      const hookId = newHookId();
      const token = newHookToken();
      const metadata = bytesOf('hook-meta');
      const result = await storage().events.create(run.runId, hookCreated(hookId, token, metadata));

      expect(
        result.event,
        'storage rules 1, 2 and 4 (docs/contract.md), hooks: result.event',
      ).toMatchObject({
        eventType: 'hook_created',
        correlationId: hookId,
        runId: run.runId,
      });
      expect(
        result.hook,
        'storage rules 1, 2 and 4 (docs/contract.md), hooks: result.hook',
      ).toMatchObject({ hookId, token, runId: run.runId });

      const byId = await storage().hooks.get(hookId);
      expect(byId, 'storage rules 1, 2 and 4 (docs/contract.md), hooks: byId').toMatchObject({
        hookId,
        token,
        runId: run.runId,
      });
      expectDate(byId.createdAt, 'hook.createdAt');
      expectSameBytes(byId.metadata, metadata, 'hook.metadata');
      const byToken = await storage().hooks.getByToken(token);
      expect(byToken, 'storage rules 1, 2 and 4 (docs/contract.md), hooks: byToken').toMatchObject({
        hookId,
        token,
        runId: run.runId,
      });
    });

    it('hooks.get and hooks.getByToken of unknown hooks throw HookNotFoundError', async () => {
      await expectRejection(storage().hooks.get(newHookId()), HookNotFoundError);
      await expectRejection(storage().hooks.getByToken(newHookToken()), HookNotFoundError);
    });

    it('a second hook_created for the same hook throws EntityConflictError', async () => {
      const run = await createRunningRun(storage());
      const hook = await createHook(storage(), run.runId);
      await expectRejection(
        storage().events.create(run.runId, hookCreated(hook.hookId, hook.token, bytesOf('other'))),
        EntityConflictError,
      );
      expectSameBytes(
        (await storage().hooks.get(hook.hookId)).metadata,
        bytesOf('hook-metadata'),
        'hook.metadata',
      );
      const types = await eventTypesOf(storage(), run.runId);
      expect(
        types.filter((type) => type === 'hook_created'),
        "storage rules 1, 2 and 4 (docs/contract.md), hooks: types.filter((type) => type === 'hook_created')",
      ).toHaveLength(1);
    });

    it('a token held by another live run returns a hook_conflict event and creates no hook', async () => {
      const holder = await createRunningRun(storage());
      const token = newHookToken();
      const held = await createHook(storage(), holder.runId, token);
      const claimant = await createRunningRun(storage());
      const hookId = newHookId();

      const result = await storage().events.create(claimant.runId, hookCreated(hookId, token));

      expect(
        result.event?.eventType,
        'storage rules 1, 2 and 4 (docs/contract.md), hooks: result.event?.eventType',
      ).toBe('hook_conflict');
      expect(
        result.event?.correlationId,
        'storage rules 1, 2 and 4 (docs/contract.md), hooks: result.event?.correlationId',
      ).toBe(hookId);
      expect(
        result.event?.runId,
        'storage rules 1, 2 and 4 (docs/contract.md), hooks: result.event?.runId',
      ).toBe(claimant.runId);
      const conflictData =
        result.event?.eventType === 'hook_conflict' ? result.event.eventData : undefined;
      expect(
        conflictData?.token,
        'storage rules 1, 2 and 4 (docs/contract.md), hooks: conflictData?.token',
      ).toBe(token);
      if (conflictData?.conflictingRunId !== undefined) {
        expect(
          conflictData.conflictingRunId,
          'storage rules 1, 2 and 4 (docs/contract.md), hooks: conflictData.conflictingRunId',
        ).toBe(holder.runId);
      }
      expect(
        result.hook,
        'storage rules 1, 2 and 4 (docs/contract.md), hooks: result.hook',
      ).toBeUndefined();

      await expectRejection(storage().hooks.get(hookId), HookNotFoundError);
      expect(
        (await storage().hooks.getByToken(token)).hookId,
        'storage rules 1, 2 and 4 (docs/contract.md), hooks: (await storage().hooks.getByToken(token)).hookId',
      ).toBe(held.hookId);
      expect(
        (await storage().hooks.list({ runId: claimant.runId })).data,
        'storage rules 1, 2 and 4 (docs/contract.md), hooks: (await storage().hooks.list({ runId: claimant.runId })).data',
      ).toEqual([]);
      // The conflict is part of the claimant's log, so its replay fails the awaiting hook.
      const logged = (await listAllEvents(storage(), claimant.runId)).filter(
        (event) => event.correlationId === hookId,
      );
      expect(
        logged.map((event) => event.eventType),
        'storage rules 1, 2 and 4 (docs/contract.md), hooks: logged.map((event) => event.eventType)',
      ).toEqual(['hook_conflict']);
    });

    it('hook_received is logged with its payload and leaves the hook in place', async () => {
      const run = await createRunningRun(storage());
      const hook = await createHook(storage(), run.runId);
      const payload = bytesOf('delivery');
      const result = await storage().events.create(
        run.runId,
        hookReceived(hook.hookId, hook.token, payload),
      );

      expect(
        result.event,
        'storage rules 1, 2 and 4 (docs/contract.md), hooks: result.event',
      ).toMatchObject({
        eventType: 'hook_received',
        correlationId: hook.hookId,
      });
      const received = (await listAllEvents(storage(), run.runId)).find(
        (event) => event.eventType === 'hook_received',
      );
      expectSameBytes(
        received?.eventType === 'hook_received' ? received.eventData.payload : undefined,
        payload,
        'hook_received.eventData.payload',
      );
      expect(
        (await storage().hooks.get(hook.hookId)).hookId,
        'storage rules 1, 2 and 4 (docs/contract.md), hooks: (await storage().hooks.get(hook.hookId)).hookId',
      ).toBe(hook.hookId);
    });

    it('hook_disposed deletes the hook and frees its token for another run', async () => {
      const run = await createRunningRun(storage());
      const hook = await createHook(storage(), run.runId);
      const result = await storage().events.create(
        run.runId,
        hookDisposed(hook.hookId, hook.token),
      );

      expect(
        result.event,
        'storage rules 1, 2 and 4 (docs/contract.md), hooks: result.event',
      ).toMatchObject({
        eventType: 'hook_disposed',
        correlationId: hook.hookId,
      });
      await expectRejection(storage().hooks.get(hook.hookId), HookNotFoundError);
      await expectRejection(storage().hooks.getByToken(hook.token), HookNotFoundError);

      const other = await createRunningRun(storage());
      const reclaimed = await createHook(storage(), other.runId, hook.token);
      expect(
        (await storage().hooks.getByToken(hook.token)).hookId,
        'storage rules 1, 2 and 4 (docs/contract.md), hooks: (await storage().hooks.getByToken(hook.token)).hookId',
      ).toBe(reclaimed.hookId);
    });

    it('hook_received after hook_disposed is rejected and never lands in the log', async () => {
      const run = await createRunningRun(storage());
      const hook = await createHook(storage(), run.runId);
      await storage().events.create(run.runId, hookDisposed(hook.hookId, hook.token));

      await expectRejection(
        storage().events.create(run.runId, hookReceived(hook.hookId, hook.token)),
        HookNotFoundError,
        EntityConflictError,
      );
      const types = await eventTypesOf(storage(), run.runId);
      expect(
        types.slice(-2),
        'storage rules 1, 2 and 4 (docs/contract.md), hooks: types.slice(-2)',
      ).toEqual(['hook_created', 'hook_disposed']);
      expect(types, 'storage rules 1, 2 and 4 (docs/contract.md), hooks: types').not.toContain(
        'hook_received',
      );
    });
  });
}
