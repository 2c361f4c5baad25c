import { RunNotSupportedError } from '@workflow/errors';
import { describe, expect } from 'vitest';
import { it } from '../../conformance.js';
import { describeWhen } from '../capability-gate.js';
import type { ResolvedCapabilities, StorageUnderTest } from '../conformance-options.js';
import { runCreated, runStarted } from '../event-requests.js';
import { expectDate, expectRejection, expectSameBytes } from '../expectations.js';
import { newRunId, newWorkflowName } from '../ids.js';
import { bytesOf } from '../payloads.js';
import { createRun, listAllEvents } from '../scenario.js';

/** storage rules 5 (resilient start) and 6 (runs from a newer spec). */
export function describeResilientStartAndSpec(
  storage: () => StorageUnderTest,
  capabilities: () => ResolvedCapabilities,
): void {
  describe('resilient start', () => {
    it('run_started for a missing run carrying its input creates the run and run_created atomically', async () => {
      const runId = newRunId();
      const workflowName = newWorkflowName('resilient');
      const input = bytesOf('resilient-input');
      const result = await storage().events.create(
        runId,
        runStarted({ workflowName, deploymentId: 'dpl_resilient', input }),
      );

      expect(
        result.run,
        'storage rules 5 and 6 (docs/contract.md), resilient start and spec versions: result.run',
      ).toMatchObject({ runId, status: 'running', workflowName });
      const stored = await storage().runs.get(runId);
      expect(
        stored,
        'storage rules 5 and 6 (docs/contract.md), resilient start and spec versions: stored',
      ).toMatchObject({
        runId,
        status: 'running',
        workflowName,
        deploymentId: 'dpl_resilient',
      });
      expectDate(stored.startedAt, 'run.startedAt');
      expectSameBytes(stored.input, input, 'run.input');

      const events = await listAllEvents(storage(), runId);
      expect(
        events.map((event) => event.eventType).sort(),
        'storage rules 5 and 6 (docs/contract.md), resilient start and spec versions: events.map((event) => event.eventType).sort()',
      ).toEqual(['run_created', 'run_started']);
      const created = events.find((event) => event.eventType === 'run_created');
      expect(
        created?.eventType === 'run_created' && created.eventData.workflowName,
        "storage rules 5 and 6 (docs/contract.md), resilient start and spec versions: created?.eventType === 'run_created' && created.eventData.workflowName",
      ).toBe(workflowName);
      expectSameBytes(
        created?.eventType === 'run_created' ? created.eventData.input : undefined,
        input,
        'run_created.eventData.input',
      );
    });

    it('run_started carrying input for a run that already exists starts it without a second run_created', async () => {
      const run = await createRun(storage());
      await storage().events.create(
        run.runId,
        runStarted({ workflowName: run.workflowName, input: bytesOf('ignored-input') }),
      );

      const types = (await listAllEvents(storage(), run.runId)).map((event) => event.eventType);
      expect(
        types,
        'storage rules 5 and 6 (docs/contract.md), resilient start and spec versions: types',
      ).toEqual(['run_created', 'run_started']);
      expectSameBytes(
        (await storage().runs.get(run.runId)).input,
        bytesOf('run-input'),
        'run.input',
      );
    });
  });

  describeWhen(capabilities, 'orderedResilientStart', 'resilient start log order', () => {
    it('the run_created written by a resilient start comes before its run_started in the log', async () => {
      const runId = newRunId();
      await storage().events.create(
        runId,
        runStarted({ workflowName: newWorkflowName('ordered'), input: bytesOf('ordered-input') }),
      );
      const types = (await listAllEvents(storage(), runId)).map((event) => event.eventType);
      expect(
        types,
        'storage rules 5 and 6 (docs/contract.md), resilient start and spec versions: types',
      ).toEqual(['run_created', 'run_started']);
    });
  });

  describe('spec versions', () => {
    it('a run from a spec newer than the declared maxSpecVersion throws RunNotSupportedError', async () => {
      const runId = newRunId();
      const newerSpec = capabilities().maxSpecVersion + 1;
      // A storage may refuse the run when it is created, or when the runtime tries to start it;
      // either way the runtime must see RunNotSupportedError before the run ever runs.
      const created = await storage()
        .events.create(
          runId,
          runCreated({ workflowName: newWorkflowName(), specVersion: newerSpec }),
        )
        .then(
          () => null,
          (error: unknown) => error,
        );
      if (created !== null) {
        expect(RunNotSupportedError.is(created), `run_created threw ${String(created)}`).toBe(true);
        return;
      }
      await expectRejection(storage().events.create(runId, runStarted()), RunNotSupportedError);
      expect(
        (await storage().runs.get(runId)).status,
        'storage rules 5 and 6 (docs/contract.md), resilient start and spec versions: (await storage().runs.get(runId)).status',
      ).toBe('pending');
    });
  });
}
