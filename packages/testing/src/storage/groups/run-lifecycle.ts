import { EntityConflictError, RunExpiredError, WorkflowRunNotFoundError } from '@workflow/errors';
import type { WorkflowRun } from '@workflow/world';
import { describe, expect } from 'vitest';
import { it } from '../../conformance.js';
import type { StorageUnderTest } from '../conformance-options.js';
import {
  runCancelled,
  runCompleted,
  runCreated,
  runFailed,
  runStarted,
} from '../event-requests.js';
import { expectDate, expectRejection, expectSameBytes } from '../expectations.js';
import { newRunId, newWorkflowName } from '../ids.js';
import { bytesOf } from '../payloads.js';
import { createRun, createRunningRun, eventTypesOf } from '../scenario.js';

type TerminalRequest = ReturnType<typeof runCompleted | typeof runFailed | typeof runCancelled>;

/** The three ways a run ends, with the status each must leave behind. */
export const TERMINAL_RUN_EVENTS: ReadonlyArray<{
  status: 'completed' | 'failed' | 'cancelled';
  request: () => TerminalRequest;
}> = [
  { status: 'completed', request: () => runCompleted() },
  { status: 'failed', request: () => runFailed() },
  { status: 'cancelled', request: () => runCancelled() },
];

/** storage rules 1–3 in docs/contract.md for runs: creation, start, the three endings and the guards around them. */
export function describeRunLifecycle(storage: () => StorageUnderTest): void {
  describe('run lifecycle', () => {
    it('run_created with a client-given runId creates a pending run and its event', async () => {
      const runId = newRunId();
      const workflowName = newWorkflowName();
      const input = bytesOf('client-id-input');
      const result = await storage().events.create(
        runId,
        runCreated({ workflowName, deploymentId: 'dpl_one', input, executionContext: { a: 1 } }),
      );

      expect(
        result.event?.eventType,
        'storage rules 1–3 (docs/contract.md), runs: result.event?.eventType',
      ).toBe('run_created');
      expect(
        result.event?.runId,
        'storage rules 1–3 (docs/contract.md), runs: result.event?.runId',
      ).toBe(runId);
      expect(
        typeof result.event?.eventId,
        'storage rules 1–3 (docs/contract.md), runs: typeof result.event?.eventId',
      ).toBe('string');
      expectDate(result.event?.createdAt, 'event.createdAt');
      expect(result.run, 'storage rules 1–3 (docs/contract.md), runs: result.run').toMatchObject({
        runId,
        status: 'pending',
        workflowName,
        deploymentId: 'dpl_one',
      });

      const stored = await storage().runs.get(runId);
      expect(stored, 'storage rules 1–3 (docs/contract.md), runs: stored').toMatchObject({
        runId,
        status: 'pending',
        workflowName,
        deploymentId: 'dpl_one',
      });
      expect(
        stored.executionContext,
        'storage rules 1–3 (docs/contract.md), runs: stored.executionContext',
      ).toEqual({ a: 1 });
      expect(
        stored.startedAt,
        'storage rules 1–3 (docs/contract.md), runs: stored.startedAt',
      ).toBeUndefined();
      expect(
        stored.completedAt,
        'storage rules 1–3 (docs/contract.md), runs: stored.completedAt',
      ).toBeUndefined();
      expectDate(stored.createdAt, 'run.createdAt');
      expectDate(stored.updatedAt, 'run.updatedAt');
      expectSameBytes(stored.input, input, 'run.input');
      expect(
        await eventTypesOf(storage(), runId),
        'storage rules 1–3 (docs/contract.md), runs: await eventTypesOf(storage(), runId)',
      ).toEqual(['run_created']);
    });

    it('run_created with a null runId gets a generated runId', async () => {
      const workflowName = newWorkflowName();
      const result = await storage().events.create(null, runCreated({ workflowName }));

      const runId = result.run?.runId;
      expect(typeof runId, 'storage rules 1–3 (docs/contract.md), runs: typeof runId').toBe(
        'string',
      );
      expect(runId, 'storage rules 1–3 (docs/contract.md), runs: runId').not.toBe('');
      expect(
        result.event?.runId,
        'storage rules 1–3 (docs/contract.md), runs: result.event?.runId',
      ).toBe(runId);
      const stored = await storage().runs.get(runId as string);
      expect(stored, 'storage rules 1–3 (docs/contract.md), runs: stored').toMatchObject({
        runId,
        status: 'pending',
        workflowName,
      });
    });

    it('a second run_created for the same runId throws EntityConflictError', async () => {
      const run = await createRun(storage());
      await expectRejection(
        storage().events.create(run.runId, runCreated({ workflowName: 'workflow//other' })),
        EntityConflictError,
      );
      const stored = await storage().runs.get(run.runId);
      expect(
        stored.workflowName,
        'storage rules 1–3 (docs/contract.md), runs: stored.workflowName',
      ).toBe(run.workflowName);
      expect(
        await eventTypesOf(storage(), run.runId),
        'storage rules 1–3 (docs/contract.md), runs: await eventTypesOf(storage(), run.runId)',
      ).toEqual(['run_created']);
    });

    it('runs.get of an unknown run throws WorkflowRunNotFoundError', async () => {
      await expectRejection(storage().runs.get(newRunId()), WorkflowRunNotFoundError);
    });

    it('run_started moves a pending run to running and sets startedAt', async () => {
      const run = await createRun(storage());
      const result = await storage().events.create(run.runId, runStarted());

      expect(
        result.event?.eventType,
        'storage rules 1–3 (docs/contract.md), runs: result.event?.eventType',
      ).toBe('run_started');
      expect(
        result.run?.status,
        'storage rules 1–3 (docs/contract.md), runs: result.run?.status',
      ).toBe('running');
      expectDate(result.run?.startedAt, 'result.run.startedAt');
      const stored = await storage().runs.get(run.runId);
      expect(stored.status, 'storage rules 1–3 (docs/contract.md), runs: stored.status').toBe(
        'running',
      );
      expectDate(stored.startedAt, 'run.startedAt');
      expect(
        await eventTypesOf(storage(), run.runId),
        'storage rules 1–3 (docs/contract.md), runs: await eventTypesOf(storage(), run.runId)',
      ).toEqual(['run_created', 'run_started']);
    });

    it('run_started on a running run is a no-op: returns the run and writes no event', async () => {
      const run = await createRunningRun(storage());
      const result = await storage().events.create(run.runId, runStarted());

      expect(
        result.run?.status,
        'storage rules 1–3 (docs/contract.md), runs: result.run?.status',
      ).toBe('running');
      expect(
        result.run?.runId,
        'storage rules 1–3 (docs/contract.md), runs: result.run?.runId',
      ).toBe(run.runId);
      expect(result.event, 'a no-op run_started must not return an event').toBeUndefined();
      const stored = await storage().runs.get(run.runId);
      expect(
        stored.startedAt?.getTime(),
        'storage rules 1–3 (docs/contract.md), runs: stored.startedAt?.getTime()',
      ).toBe(run.startedAt?.getTime());
      expect(
        await eventTypesOf(storage(), run.runId),
        'storage rules 1–3 (docs/contract.md), runs: await eventTypesOf(storage(), run.runId)',
      ).toEqual(['run_created', 'run_started']);
    });

    it('run_completed sets status, output and completedAt', async () => {
      const run = await createRunningRun(storage());
      const output = bytesOf('final-output');
      const result = await storage().events.create(run.runId, runCompleted(output));

      expect(
        result.event?.eventType,
        'storage rules 1–3 (docs/contract.md), runs: result.event?.eventType',
      ).toBe('run_completed');
      expect(
        result.run?.status,
        'storage rules 1–3 (docs/contract.md), runs: result.run?.status',
      ).toBe('completed');
      const stored = await storage().runs.get(run.runId);
      expect(stored.status, 'storage rules 1–3 (docs/contract.md), runs: stored.status').toBe(
        'completed',
      );
      expectDate(stored.completedAt, 'run.completedAt');
      expectSameBytes(stored.output, output, 'run.output');
      expect(
        stored.error,
        'storage rules 1–3 (docs/contract.md), runs: stored.error',
      ).toBeUndefined();
    });

    it('run_failed sets status, error (message and code) and completedAt', async () => {
      const run = await createRunningRun(storage());
      await storage().events.create(run.runId, runFailed('it broke', 'RUNTIME_ERROR'));

      const stored = await storage().runs.get(run.runId);
      expect(stored.status, 'storage rules 1–3 (docs/contract.md), runs: stored.status').toBe(
        'failed',
      );
      expectDate(stored.completedAt, 'run.completedAt');
      expect(
        stored.error?.message,
        'storage rules 1–3 (docs/contract.md), runs: stored.error?.message',
      ).toBe('it broke');
      expect(
        stored.error?.code,
        'storage rules 1–3 (docs/contract.md), runs: stored.error?.code',
      ).toBe('RUNTIME_ERROR');
      expect(
        stored.output,
        'storage rules 1–3 (docs/contract.md), runs: stored.output',
      ).toBeUndefined();
    });

    it('run_cancelled sets status and completedAt, from pending or running', async () => {
      const pending = await createRun(storage());
      const running = await createRunningRun(storage());
      for (const run of [pending, running]) {
        const result = await storage().events.create(run.runId, runCancelled());
        expect(
          result.run?.status,
          'storage rules 1–3 (docs/contract.md), runs: result.run?.status',
        ).toBe('cancelled');
        const stored = await storage().runs.get(run.runId);
        expect(stored.status, 'storage rules 1–3 (docs/contract.md), runs: stored.status').toBe(
          'cancelled',
        );
        expectDate(stored.completedAt, 'run.completedAt');
      }
    });

    it('run_cancelled on a cancelled run is accepted and leaves it cancelled', async () => {
      const run = await createRunningRun(storage());
      await storage().events.create(run.runId, runCancelled());
      const again = await storage().events.create(run.runId, runCancelled());

      expect(
        again.run?.status,
        'storage rules 1–3 (docs/contract.md), runs: again.run?.status',
      ).toBe('cancelled');
      expect(
        (await storage().runs.get(run.runId)).status,
        'storage rules 1–3 (docs/contract.md), runs: (await storage().runs.get(run.runId)).status',
      ).toBe('cancelled');
    });

    describe('terminal runs', () => {
      for (const ending of TERMINAL_RUN_EVENTS) {
        async function endedRun(): Promise<WorkflowRun> {
          const run = await createRunningRun(storage());
          await storage().events.create(run.runId, ending.request());
          return storage().runs.get(run.runId);
        }

        for (const next of TERMINAL_RUN_EVENTS) {
          // Cancelling a cancelled run is the one accepted repeat (tested above).
          if (ending.status === 'cancelled' && next.status === 'cancelled') continue;
          it(`run_${next.status} on a ${ending.status} run throws EntityConflictError and changes nothing`, async () => {
            const run = await endedRun();
            const before = await eventTypesOf(storage(), run.runId);
            await expectRejection(
              storage().events.create(run.runId, next.request()),
              EntityConflictError,
            );

            const stored = await storage().runs.get(run.runId);
            expect(stored.status, 'storage rules 1–3 (docs/contract.md), runs: stored.status').toBe(
              ending.status,
            );
            expect(
              stored.completedAt?.getTime(),
              'storage rules 1–3 (docs/contract.md), runs: stored.completedAt?.getTime()',
            ).toBe(run.completedAt?.getTime());
            expect(
              await eventTypesOf(storage(), run.runId),
              'storage rules 1–3 (docs/contract.md), runs: await eventTypesOf(storage(), run.runId)',
            ).toEqual(before);
          });
        }

        it(`run_started on a ${ending.status} run throws RunExpiredError`, async () => {
          const run = await endedRun();
          await expectRejection(storage().events.create(run.runId, runStarted()), RunExpiredError);
          expect(
            (await storage().runs.get(run.runId)).status,
            'storage rules 1–3 (docs/contract.md), runs: (await storage().runs.get(run.runId)).status',
          ).toBe(ending.status);
        });
      }
    });
  });
}
