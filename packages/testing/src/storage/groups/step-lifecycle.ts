import { EntityConflictError, TooEarlyError } from '@workflow/errors';
import type { Step } from '@workflow/world';
import { describe, expect } from 'vitest';
import { it } from '../../conformance.js';
import type { StorageUnderTest } from '../conformance-options.js';
import {
  stepCompleted,
  stepCreated,
  stepFailed,
  stepRetrying,
  stepStarted,
} from '../event-requests.js';
import { expectDate, expectRejection, expectSameBytes } from '../expectations.js';
import { newStepId } from '../ids.js';
import { bytesOf } from '../payloads.js';
import {
  createRunningRun,
  createRunningStep,
  createStep,
  eventTypesOf,
  pause,
} from '../scenario.js';

/** storage rules 1–3 in docs/contract.md for steps: attempts, retries, retryAfter and terminal guards. */
export function describeStepLifecycle(storage: () => StorageUnderTest): void {
  describe('step lifecycle', () => {
    it('step_created creates a pending step at attempt 0', async () => {
      const run = await createRunningRun(storage());
      const stepId = newStepId();
      const input = bytesOf('step-create-input');
      const result = await storage().events.create(
        run.runId,
        stepCreated(stepId, input, 'step//./conformance//named'),
      );

      expect(
        result.event,
        'storage rules 1–3 (docs/contract.md), steps: result.event',
      ).toMatchObject({
        eventType: 'step_created',
        correlationId: stepId,
        runId: run.runId,
      });
      expect(result.step, 'storage rules 1–3 (docs/contract.md), steps: result.step').toMatchObject(
        {
          stepId,
          runId: run.runId,
          status: 'pending',
          attempt: 0,
        },
      );
      const stored = await storage().steps.get(run.runId, stepId);
      expect(stored, 'storage rules 1–3 (docs/contract.md), steps: stored').toMatchObject({
        stepId,
        runId: run.runId,
        stepName: 'step//./conformance//named',
        status: 'pending',
        attempt: 0,
      });
      expect(
        stored.startedAt,
        'storage rules 1–3 (docs/contract.md), steps: stored.startedAt',
      ).toBeUndefined();
      expectDate(stored.createdAt, 'step.createdAt');
      expectSameBytes(stored.input, input, 'step.input');
    });

    it('a second step_created for the same step throws EntityConflictError', async () => {
      const run = await createRunningRun(storage());
      const step = await createStep(storage(), run.runId);
      await expectRejection(
        storage().events.create(run.runId, stepCreated(step.stepId, bytesOf('other'))),
        EntityConflictError,
      );
      expectSameBytes(
        (await storage().steps.get(run.runId, step.stepId)).input,
        bytesOf('step-input'),
        'step.input after the rejected duplicate',
      );
      expect(
        await eventTypesOf(storage(), run.runId),
        'storage rules 1–3 (docs/contract.md), steps: await eventTypesOf(storage(), run.runId)',
      ).toEqual(['run_created', 'run_started', 'step_created']);
    });

    it('step_started moves to running, attempt 1, and sets startedAt', async () => {
      const run = await createRunningRun(storage());
      const step = await createStep(storage(), run.runId);
      const result = await storage().events.create(run.runId, stepStarted(step.stepId));

      expect(
        result.event?.eventType,
        'storage rules 1–3 (docs/contract.md), steps: result.event?.eventType',
      ).toBe('step_started');
      expect(result.step, 'storage rules 1–3 (docs/contract.md), steps: result.step').toMatchObject(
        { status: 'running', attempt: 1 },
      );
      const stored = await storage().steps.get(run.runId, step.stepId);
      expect(stored, 'storage rules 1–3 (docs/contract.md), steps: stored').toMatchObject({
        status: 'running',
        attempt: 1,
      });
      expectDate(stored.startedAt, 'step.startedAt');
    });

    it('step_retrying moves back to pending with the error and retryAfter', async () => {
      const run = await createRunningRun(storage());
      const step = await createRunningStep(storage(), run.runId);
      const retryAfter = new Date(Date.now() + 60_000);
      const result = await storage().events.create(
        run.runId,
        stepRetrying(step.stepId, 'temporary outage', retryAfter),
      );

      expect(
        result.event?.eventType,
        'storage rules 1–3 (docs/contract.md), steps: result.event?.eventType',
      ).toBe('step_retrying');
      const stored = await storage().steps.get(run.runId, step.stepId);
      expect(stored.status, 'storage rules 1–3 (docs/contract.md), steps: stored.status').toBe(
        'pending',
      );
      expect(stored.attempt, 'storage rules 1–3 (docs/contract.md), steps: stored.attempt').toBe(1);
      expect(
        stored.error?.message,
        'storage rules 1–3 (docs/contract.md), steps: stored.error?.message',
      ).toBe('temporary outage');
      expectDate(stored.retryAfter, 'step.retryAfter');
      expect(
        stored.retryAfter.getTime(),
        'storage rules 1–3 (docs/contract.md), steps: stored.retryAfter.getTime()',
      ).toBe(retryAfter.getTime());
    });

    it('step_started before retryAfter throws TooEarlyError and leaves the step as it was', async () => {
      const run = await createRunningRun(storage());
      const step = await createRunningStep(storage(), run.runId);
      await storage().events.create(
        run.runId,
        stepRetrying(step.stepId, 'later', new Date(Date.now() + 60_000)),
      );
      const before = await eventTypesOf(storage(), run.runId);

      await expectRejection(
        storage().events.create(run.runId, stepStarted(step.stepId)),
        TooEarlyError,
      );
      const stored = await storage().steps.get(run.runId, step.stepId);
      expect(stored, 'storage rules 1–3 (docs/contract.md), steps: stored').toMatchObject({
        status: 'pending',
        attempt: 1,
      });
      expect(
        await eventTypesOf(storage(), run.runId),
        'storage rules 1–3 (docs/contract.md), steps: await eventTypesOf(storage(), run.runId)',
      ).toEqual(before);
    });

    it('a retry start increments attempt, keeps the first startedAt and clears retryAfter', async () => {
      const run = await createRunningRun(storage());
      const first = await createRunningStep(storage(), run.runId);
      // A retryAfter already in the past lets the retry start at once.
      await storage().events.create(
        run.runId,
        stepRetrying(first.stepId, 'retry now', new Date(Date.now() - 1_000)),
      );
      // Make sure a re-stamped startedAt would differ from the first one.
      await pause(5);
      const result = await storage().events.create(run.runId, stepStarted(first.stepId));

      expect(result.step, 'storage rules 1–3 (docs/contract.md), steps: result.step').toMatchObject(
        { status: 'running', attempt: 2 },
      );
      const stored = await storage().steps.get(run.runId, first.stepId);
      expect(stored, 'storage rules 1–3 (docs/contract.md), steps: stored').toMatchObject({
        status: 'running',
        attempt: 2,
      });
      expect(
        stored.startedAt?.getTime(),
        'storage rules 1–3 (docs/contract.md), steps: stored.startedAt?.getTime()',
      ).toBe(first.startedAt?.getTime());
      expect(
        stored.retryAfter,
        'storage rules 1–3 (docs/contract.md), steps: stored.retryAfter',
      ).toBeUndefined();
    });

    it('step_completed sets completed, the output and completedAt', async () => {
      const run = await createRunningRun(storage());
      const step = await createRunningStep(storage(), run.runId);
      const output = bytesOf('step-output');
      const result = await storage().events.create(run.runId, stepCompleted(step.stepId, output));

      expect(
        result.event?.eventType,
        'storage rules 1–3 (docs/contract.md), steps: result.event?.eventType',
      ).toBe('step_completed');
      expect(
        result.step?.status,
        'storage rules 1–3 (docs/contract.md), steps: result.step?.status',
      ).toBe('completed');
      const stored = await storage().steps.get(run.runId, step.stepId);
      expect(stored.status, 'storage rules 1–3 (docs/contract.md), steps: stored.status').toBe(
        'completed',
      );
      expectDate(stored.completedAt, 'step.completedAt');
      expectSameBytes(stored.output, output, 'step.output');
    });

    it('step_failed sets failed, the error and completedAt', async () => {
      const run = await createRunningRun(storage());
      const step = await createRunningStep(storage(), run.runId);
      await storage().events.create(run.runId, stepFailed(step.stepId, 'gave up'));

      const stored = await storage().steps.get(run.runId, step.stepId);
      expect(stored.status, 'storage rules 1–3 (docs/contract.md), steps: stored.status').toBe(
        'failed',
      );
      expect(
        stored.error?.message,
        'storage rules 1–3 (docs/contract.md), steps: stored.error?.message',
      ).toBe('gave up');
      expectDate(stored.completedAt, 'step.completedAt');
    });

    const endings = [
      { status: 'completed', end: (stepId: string) => stepCompleted(stepId) },
      { status: 'failed', end: (stepId: string) => stepFailed(stepId) },
    ] as const;
    const transitions = [
      { name: 'step_started', request: (stepId: string) => stepStarted(stepId) },
      {
        name: 'step_completed',
        request: (stepId: string) => stepCompleted(stepId, bytesOf('late')),
      },
      { name: 'step_failed', request: (stepId: string) => stepFailed(stepId, 'late') },
      { name: 'step_retrying', request: (stepId: string) => stepRetrying(stepId, 'late') },
    ] as const;
    for (const ending of endings) {
      for (const transition of transitions) {
        it(`${transition.name} on a ${ending.status} step throws EntityConflictError and changes nothing`, async () => {
          const run = await createRunningRun(storage());
          const step = await createRunningStep(storage(), run.runId);
          await storage().events.create(run.runId, ending.end(step.stepId));
          const ended: Step = await storage().steps.get(run.runId, step.stepId);
          const before = await eventTypesOf(storage(), run.runId);

          await expectRejection(
            storage().events.create(run.runId, transition.request(step.stepId)),
            EntityConflictError,
          );
          const stored = await storage().steps.get(run.runId, step.stepId);
          expect(stored.status, 'storage rules 1–3 (docs/contract.md), steps: stored.status').toBe(
            ending.status,
          );
          expect(
            stored.attempt,
            'storage rules 1–3 (docs/contract.md), steps: stored.attempt',
          ).toBe(ended.attempt);
          expect(
            stored.completedAt?.getTime(),
            'storage rules 1–3 (docs/contract.md), steps: stored.completedAt?.getTime()',
          ).toBe(ended.completedAt?.getTime());
          expect(
            await eventTypesOf(storage(), run.runId),
            'storage rules 1–3 (docs/contract.md), steps: await eventTypesOf(storage(), run.runId)',
          ).toEqual(before);
        });
      }
    }
  });
}
