import { describe, expect } from 'vitest';
import { it } from '../../conformance.js';
import type { StorageUnderTest } from '../conformance-options.js';
import { stepCompleted, stepCreated, stepStarted } from '../event-requests.js';
import { expectSameBytes } from '../expectations.js';
import { newStepId } from '../ids.js';
import { collectPages } from '../pagination.js';
import { bytesOf } from '../payloads.js';
import { createRunningRun, listAllEvents } from '../scenario.js';

/** A running run with `stepCount` created steps: 2 + stepCount events, in a known order. */
async function runWithSteps(storage: StorageUnderTest, stepCount: number) {
  const run = await createRunningRun(storage);
  const stepIds: string[] = [];
  for (let i = 0; i < stepCount; i++) {
    const stepId = newStepId();
    stepIds.push(stepId);
    await storage.events.create(run.runId, stepCreated(stepId, bytesOf(`input-${i}`)));
  }
  return { run, stepIds };
}

/** storage rule 8 in docs/contract.md for the event log: reads, ordering by a sortable id, cursor pagination. */
export function describeEventReads(storage: () => StorageUnderTest): void {
  describe('event reads', () => {
    it('events.get returns a created event with its data', async () => {
      const run = await createRunningRun(storage());
      const stepId = newStepId();
      const created = await storage().events.create(
        run.runId,
        stepCreated(stepId, bytesOf('get-me')),
      );
      const eventId = created.event?.eventId as string;

      const event = await storage().events.get(run.runId, eventId);
      expect(event, 'storage rule 8 (docs/contract.md), the event log: event').toMatchObject({
        eventId,
        runId: run.runId,
        eventType: 'step_created',
        correlationId: stepId,
      });
      expectSameBytes(
        event.eventType === 'step_created' ? event.eventData.input : undefined,
        bytesOf('get-me'),
        'step_created.eventData.input',
      );
    });

    it('events.list is oldest-first by default and ordered by ascending event id', async () => {
      const { run, stepIds } = await runWithSteps(storage(), 4);
      const listed = await storage().events.list({ runId: run.runId });

      expect(
        listed.data.map((event) => event.eventType),
        'storage rule 8 (docs/contract.md), the event log: listed.data.map((event) => event.eventType)',
      ).toEqual([
        'run_created',
        'run_started',
        'step_created',
        'step_created',
        'step_created',
        'step_created',
      ]);
      expect(
        listed.data.slice(2).map((event) => event.correlationId),
        'storage rule 8 (docs/contract.md), the event log: listed.data.slice(2).map((event) => event.correlationId)',
      ).toEqual(stepIds);
      const ids = listed.data.map((event) => event.eventId);
      expect(ids, 'storage rule 8 (docs/contract.md), the event log: ids').toEqual([...ids].sort());
      expect(
        new Set(ids).size,
        'storage rule 8 (docs/contract.md), the event log: new Set(ids).size',
      ).toBe(ids.length);
      expect(
        listed.hasMore,
        'storage rule 8 (docs/contract.md), the event log: listed.hasMore',
      ).toBe(false);
    });

    it('events.list with sortOrder desc returns the reverse order', async () => {
      const { run } = await runWithSteps(storage(), 3);
      const asc = await storage().events.list({
        runId: run.runId,
        pagination: { sortOrder: 'asc' },
      });
      const desc = await storage().events.list({
        runId: run.runId,
        pagination: { sortOrder: 'desc' },
      });
      expect(
        desc.data.map((event) => event.eventId),
        'storage rule 8 (docs/contract.md), the event log: desc.data.map((event) => event.eventId)',
      ).toEqual(asc.data.map((event) => event.eventId).reverse());
    });

    for (const sortOrder of ['asc', 'desc'] as const) {
      it(`events.list pages with limit and cursor (${sortOrder}) cover every event exactly once`, async () => {
        const { run } = await runWithSteps(storage(), 10); // 12 events
        const everything = await listAllEvents(storage(), run.runId);
        expect(
          everything,
          'storage rule 8 (docs/contract.md), the event log: everything',
        ).toHaveLength(12);

        const pages = await collectPages(
          (cursor) =>
            storage().events.list({
              runId: run.runId,
              pagination: { sortOrder, limit: 5, ...(cursor ? { cursor } : {}) },
            }),
          5,
        );
        expect(
          pages.map((page) => page.length),
          'storage rule 8 (docs/contract.md), the event log: pages.map((page) => page.length)',
        ).toEqual([5, 5, 2]);
        const expectedIds = everything.map((event) => event.eventId);
        if (sortOrder === 'desc') expectedIds.reverse();
        expect(
          pages.flat().map((event) => event.eventId),
          'storage rule 8 (docs/contract.md), the event log: pages.flat().map((event) => event.eventId)',
        ).toEqual(expectedIds);
      });
    }

    it('events.list of a run holds only that run’s events', async () => {
      const { run: first } = await runWithSteps(storage(), 2);
      const { run: second } = await runWithSteps(storage(), 1);
      const firstEvents = await listAllEvents(storage(), first.runId);
      const secondEvents = await listAllEvents(storage(), second.runId);
      expect(
        firstEvents.every((event) => event.runId === first.runId),
        "storage rule 8 (docs/contract.md): events.list for one run must return only that run's events",
      ).toBe(true);
      expect(
        secondEvents.every((event) => event.runId === second.runId),
        "storage rule 8 (docs/contract.md): events.list for one run must return only that run's events",
      ).toBe(true);
      expect(
        firstEvents,
        'storage rule 8 (docs/contract.md), the event log: firstEvents',
      ).toHaveLength(4);
      expect(
        secondEvents,
        'storage rule 8 (docs/contract.md), the event log: secondEvents',
      ).toHaveLength(3);
    });

    it('events.listByCorrelationId returns one entity’s events in order, with pagination', async () => {
      const run = await createRunningRun(storage());
      const stepId = newStepId();
      const otherStepId = newStepId();
      await storage().events.create(run.runId, stepCreated(stepId));
      await storage().events.create(run.runId, stepCreated(otherStepId));
      await storage().events.create(run.runId, stepStarted(stepId));
      await storage().events.create(run.runId, stepCompleted(stepId));

      const all = await storage().events.listByCorrelationId({ correlationId: stepId });
      expect(
        all.data.map((event) => event.eventType),
        'storage rule 8 (docs/contract.md), the event log: all.data.map((event) => event.eventType)',
      ).toEqual(['step_created', 'step_started', 'step_completed']);
      expect(
        all.data.every((event) => event.correlationId === stepId && event.runId === run.runId),
        'storage rule 8 (docs/contract.md), the event log: all.data.every((event) => event.correlationId === stepId && event.r...',
      ).toBe(true);

      const scoped = await storage().events.listByCorrelationId({
        correlationId: stepId,
        runId: run.runId,
      });
      expect(
        scoped.data.map((event) => event.eventId),
        'storage rule 8 (docs/contract.md), the event log: scoped.data.map((event) => event.eventId)',
      ).toEqual(all.data.map((event) => event.eventId));

      const pages = await collectPages(
        (cursor) =>
          storage().events.listByCorrelationId({
            correlationId: stepId,
            pagination: { limit: 2, ...(cursor ? { cursor } : {}) },
          }),
        2,
      );
      expect(
        pages.map((page) => page.length),
        'storage rule 8 (docs/contract.md), the event log: pages.map((page) => page.length)',
      ).toEqual([2, 1]);
      expect(
        pages.flat().map((event) => event.eventId),
        'storage rule 8 (docs/contract.md), the event log: pages.flat().map((event) => event.eventId)',
      ).toEqual(all.data.map((event) => event.eventId));
    });
  });
}
