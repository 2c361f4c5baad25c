import { EntityConflictError } from '@workflow/errors';
import { describe, expect } from 'vitest';
import { it } from '../../conformance.js';
import type { StorageUnderTest } from '../conformance-options.js';
import { waitCompleted, waitCreated } from '../event-requests.js';
import { expectDate, expectRejection } from '../expectations.js';
import { newWaitId } from '../ids.js';
import { createRunningRun, eventTypesOf, listAllEvents } from '../scenario.js';

/** storage rules 1–2 in docs/contract.md for waits (sleep): created once, completed once. */
export function describeWaitLifecycle(storage: () => StorageUnderTest): void {
  describe('wait lifecycle', () => {
    it('wait_created creates a waiting wait with its resumeAt', async () => {
      const run = await createRunningRun(storage());
      const waitId = newWaitId();
      const resumeAt = new Date(Date.now() + 3_600_000);
      const result = await storage().events.create(run.runId, waitCreated(waitId, resumeAt));

      expect(
        result.event,
        'storage rules 1–2 (docs/contract.md), waits: result.event',
      ).toMatchObject({
        eventType: 'wait_created',
        correlationId: waitId,
        runId: run.runId,
      });
      expect(
        result.wait?.status,
        'storage rules 1–2 (docs/contract.md), waits: result.wait?.status',
      ).toBe('waiting');
      expect(
        result.wait?.runId,
        'storage rules 1–2 (docs/contract.md), waits: result.wait?.runId',
      ).toBe(run.runId);
      expect(
        result.wait?.resumeAt?.getTime(),
        'storage rules 1–2 (docs/contract.md), waits: result.wait?.resumeAt?.getTime()',
      ).toBe(resumeAt.getTime());

      const logged = (await listAllEvents(storage(), run.runId)).find(
        (event) => event.correlationId === waitId,
      );
      const loggedResumeAt =
        logged?.eventType === 'wait_created' ? logged.eventData.resumeAt : undefined;
      expectDate(loggedResumeAt, 'wait_created.eventData.resumeAt');
      expect(
        loggedResumeAt.getTime(),
        'storage rules 1–2 (docs/contract.md), waits: loggedResumeAt.getTime()',
      ).toBe(resumeAt.getTime());
    });

    it('a second wait_created for the same wait throws EntityConflictError', async () => {
      const run = await createRunningRun(storage());
      const waitId = newWaitId();
      await storage().events.create(run.runId, waitCreated(waitId, new Date(Date.now() + 1_000)));
      await expectRejection(
        storage().events.create(run.runId, waitCreated(waitId, new Date(Date.now() + 9_000))),
        EntityConflictError,
      );
      const types = await eventTypesOf(storage(), run.runId);
      expect(
        types.filter((type) => type === 'wait_created'),
        "storage rules 1–2 (docs/contract.md), waits: types.filter((type) => type === 'wait_created')",
      ).toHaveLength(1);
    });

    it('wait_completed completes the wait once; a second one throws EntityConflictError', async () => {
      const run = await createRunningRun(storage());
      const waitId = newWaitId();
      const resumeAt = new Date(Date.now() - 1_000);
      await storage().events.create(run.runId, waitCreated(waitId, resumeAt));

      const completed = await storage().events.create(run.runId, waitCompleted(waitId, resumeAt));
      expect(
        completed.event,
        'storage rules 1–2 (docs/contract.md), waits: completed.event',
      ).toMatchObject({ eventType: 'wait_completed', correlationId: waitId });
      expect(
        completed.wait?.status,
        'storage rules 1–2 (docs/contract.md), waits: completed.wait?.status',
      ).toBe('completed');
      expectDate(completed.wait?.completedAt, 'wait.completedAt');

      await expectRejection(
        storage().events.create(run.runId, waitCompleted(waitId, resumeAt)),
        EntityConflictError,
      );
      const types = await eventTypesOf(storage(), run.runId);
      expect(
        types.filter((type) => type === 'wait_completed'),
        "storage rules 1–2 (docs/contract.md), waits: types.filter((type) => type === 'wait_completed')",
      ).toHaveLength(1);
    });
  });
}
