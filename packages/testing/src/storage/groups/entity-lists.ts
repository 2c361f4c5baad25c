import { describe, expect } from 'vitest';
import { it } from '../../conformance.js';
import type { StorageUnderTest } from '../conformance-options.js';
import { runCompleted, runStarted } from '../event-requests.js';
import { newWorkflowName } from '../ids.js';
import { collectPages } from '../pagination.js';
import { createHook, createRun, createRunningRun, createStep } from '../scenario.js';

/** storage rule 8 in docs/contract.md for runs, steps and hooks: filters, sort order and cursor pagination. */
export function describeEntityLists(storage: () => StorageUnderTest): void {
  describe('entity lists', () => {
    it('runs.list filters by workflowName and by status', async () => {
      const alpha = newWorkflowName('alpha');
      const beta = newWorkflowName('beta');
      const alphaRuns = [
        await createRun(storage(), { workflowName: alpha }),
        await createRun(storage(), { workflowName: alpha }),
        await createRun(storage(), { workflowName: alpha }),
      ];
      await createRun(storage(), { workflowName: beta });
      await storage().events.create(alphaRuns[0].runId, runStarted());
      await storage().events.create(alphaRuns[1].runId, runStarted());
      await storage().events.create(alphaRuns[1].runId, runCompleted());

      const byName = await storage().runs.list({ workflowName: alpha });
      expect(
        byName.data.map((run) => run.runId).sort(),
        'storage rule 8 (docs/contract.md), lists of runs, steps and hooks: byName.data.map((run) => run.runId).sort()',
      ).toEqual(alphaRuns.map((run) => run.runId).sort());
      expect(
        byName.data.every((run) => run.workflowName === alpha),
        'storage rule 8 (docs/contract.md), lists of runs, steps and hooks: byName.data.every((run) => run.workflowName === alpha)',
      ).toBe(true);

      const running = await storage().runs.list({ workflowName: alpha, status: 'running' });
      expect(
        running.data.map((run) => run.runId),
        'storage rule 8 (docs/contract.md), lists of runs, steps and hooks: running.data.map((run) => run.runId)',
      ).toEqual([alphaRuns[0].runId]);
      const completed = await storage().runs.list({ workflowName: alpha, status: 'completed' });
      expect(
        completed.data.map((run) => run.runId),
        'storage rule 8 (docs/contract.md), lists of runs, steps and hooks: completed.data.map((run) => run.runId)',
      ).toEqual([alphaRuns[1].runId]);
      const pending = await storage().runs.list({ workflowName: alpha, status: 'pending' });
      expect(
        pending.data.map((run) => run.runId),
        'storage rule 8 (docs/contract.md), lists of runs, steps and hooks: pending.data.map((run) => run.runId)',
      ).toEqual([alphaRuns[2].runId]);

      const runningAnywhere = await storage().runs.list({ status: 'running' });
      expect(
        runningAnywhere.data.every((run) => run.status === 'running'),
        "storage rule 8 (docs/contract.md), lists of runs, steps and hooks: runningAnywhere.data.every((run) => run.status === 'running')",
      ).toBe(true);
      expect(
        runningAnywhere.data.map((run) => run.runId),
        'storage rule 8 (docs/contract.md), lists of runs, steps and hooks: runningAnywhere.data.map((run) => run.runId)',
      ).toContain(alphaRuns[0].runId);
    });

    for (const sortOrder of ['asc', 'desc'] as const) {
      it(`runs.list sorts by creation (${sortOrder}) and pages with limit and cursor`, async () => {
        const workflowName = newWorkflowName('paged');
        const created: string[] = [];
        for (let i = 0; i < 5; i++)
          created.push((await createRun(storage(), { workflowName })).runId);
        if (sortOrder === 'desc') created.reverse();

        const pages = await collectPages(
          (cursor) =>
            storage().runs.list({
              workflowName,
              pagination: { sortOrder, limit: 2, ...(cursor ? { cursor } : {}) },
            }),
          2,
        );
        expect(
          pages.map((page) => page.length),
          'storage rule 8 (docs/contract.md), lists of runs, steps and hooks: pages.map((page) => page.length)',
        ).toEqual([2, 2, 1]);
        expect(
          pages.flat().map((run) => run.runId),
          'storage rule 8 (docs/contract.md), lists of runs, steps and hooks: pages.flat().map((run) => run.runId)',
        ).toEqual(created);
      });
    }

    it('steps.list returns a run’s steps in creation order (asc), paged', async () => {
      const run = await createRunningRun(storage());
      const other = await createRunningRun(storage());
      await createStep(storage(), other.runId);
      const stepIds: string[] = [];
      for (let i = 0; i < 5; i++) stepIds.push((await createStep(storage(), run.runId)).stepId);

      const pages = await collectPages(
        (cursor) =>
          storage().steps.list({
            runId: run.runId,
            pagination: { sortOrder: 'asc', limit: 2, ...(cursor ? { cursor } : {}) },
          }),
        2,
      );
      expect(
        pages.map((page) => page.length),
        'storage rule 8 (docs/contract.md), lists of runs, steps and hooks: pages.map((page) => page.length)',
      ).toEqual([2, 2, 1]);
      expect(
        pages.flat().map((step) => step.stepId),
        'storage rule 8 (docs/contract.md), lists of runs, steps and hooks: pages.flat().map((step) => step.stepId)',
      ).toEqual(stepIds);
      expect(
        pages.flat().every((step) => step.runId === run.runId),
        'storage rule 8 (docs/contract.md), lists of runs, steps and hooks: pages.flat().every((step) => step.runId === run.runId)',
      ).toBe(true);

      const desc = await storage().steps.list({
        runId: run.runId,
        pagination: { sortOrder: 'desc' },
      });
      expect(
        desc.data.map((step) => step.stepId),
        'storage rule 8 (docs/contract.md), lists of runs, steps and hooks: desc.data.map((step) => step.stepId)',
      ).toEqual([...stepIds].reverse());
    });

    it('hooks.list returns a run’s hooks, paged', async () => {
      const run = await createRunningRun(storage());
      const other = await createRunningRun(storage());
      await createHook(storage(), other.runId);
      const hookIds: string[] = [];
      for (let i = 0; i < 3; i++) hookIds.push((await createHook(storage(), run.runId)).hookId);

      const pages = await collectPages(
        (cursor) =>
          storage().hooks.list({
            runId: run.runId,
            pagination: { sortOrder: 'asc', limit: 2, ...(cursor ? { cursor } : {}) },
          }),
        2,
      );
      expect(
        pages.map((page) => page.length),
        'storage rule 8 (docs/contract.md), lists of runs, steps and hooks: pages.map((page) => page.length)',
      ).toEqual([2, 1]);
      expect(
        pages.flat().map((hook) => hook.hookId),
        'storage rule 8 (docs/contract.md), lists of runs, steps and hooks: pages.flat().map((hook) => hook.hookId)',
      ).toEqual(hookIds);
      expect(
        pages.flat().every((hook) => hook.runId === run.runId),
        'storage rule 8 (docs/contract.md), lists of runs, steps and hooks: pages.flat().every((hook) => hook.runId === run.runId)',
      ).toBe(true);
    });
  });
}
