import { describe } from 'vitest';
import { it } from '../../conformance.js';
import type { StorageUnderTest } from '../conformance-options.js';
import {
  hookCreated,
  hookReceived,
  runCompleted,
  runCreated,
  runStarted,
  stepCompleted,
  stepCreated,
  stepStarted,
} from '../event-requests.js';
import { expectSameBytes } from '../expectations.js';
import { newHookId, newHookToken, newRunId, newStepId, newWorkflowName } from '../ids.js';
import { awkwardBytes, largePayload } from '../payloads.js';
import { listAllEvents } from '../scenario.js';

/**
 * Spec version 3 payloads are opaque `Uint8Array`s (devalue/CBOR output). They must come back
 * byte-for-byte from every place they are stored: entities and event data, small and ~1 MB.
 */
export function describePayloadRoundTrip(storage: () => StorageUnderTest): void {
  describe('payload round-trip', () => {
    it('bytes with NUL and invalid UTF-8 survive in runs, steps, hooks and event data', async () => {
      const payload = awkwardBytes();
      const runId = newRunId();
      await storage().events.create(
        runId,
        runCreated({ workflowName: newWorkflowName(), input: payload }),
      );
      await storage().events.create(runId, runStarted());
      const stepId = newStepId();
      await storage().events.create(runId, stepCreated(stepId, payload));
      await storage().events.create(runId, stepStarted(stepId));
      await storage().events.create(runId, stepCompleted(stepId, payload));
      const hookId = newHookId();
      const token = newHookToken();
      await storage().events.create(runId, hookCreated(hookId, token, payload));
      await storage().events.create(runId, hookReceived(hookId, token, payload));

      const run = await storage().runs.get(runId);
      expectSameBytes(run.input, payload, 'run.input');
      const step = await storage().steps.get(runId, stepId);
      expectSameBytes(step.input, payload, 'step.input');
      expectSameBytes(step.output, payload, 'step.output');
      expectSameBytes((await storage().hooks.get(hookId)).metadata, payload, 'hook.metadata');
      expectSameBytes(
        (await storage().hooks.getByToken(token)).metadata,
        payload,
        'hook.metadata by token',
      );

      const events = await listAllEvents(storage(), runId);
      for (const event of events) {
        if (event.eventType === 'run_created')
          expectSameBytes(event.eventData.input, payload, 'run_created.input');
        if (event.eventType === 'step_created')
          expectSameBytes(event.eventData.input, payload, 'step_created.input');
        if (event.eventType === 'step_completed')
          expectSameBytes(event.eventData.result, payload, 'step_completed.result');
        if (event.eventType === 'hook_created')
          expectSameBytes(event.eventData.metadata, payload, 'hook_created.metadata');
        if (event.eventType === 'hook_received')
          expectSameBytes(event.eventData.payload, payload, 'hook_received.payload');
      }

      await storage().events.create(runId, runCompleted(payload));
      expectSameBytes((await storage().runs.get(runId)).output, payload, 'run.output');
    });

    it('a ~1 MB payload survives as run input, step output and run output', async () => {
      const big = largePayload();
      const runId = newRunId();
      await storage().events.create(
        runId,
        runCreated({ workflowName: newWorkflowName(), input: big }),
      );
      await storage().events.create(runId, runStarted());
      const stepId = newStepId();
      await storage().events.create(runId, stepCreated(stepId));
      await storage().events.create(runId, stepStarted(stepId));
      await storage().events.create(runId, stepCompleted(stepId, big));
      await storage().events.create(runId, runCompleted(big));

      const run = await storage().runs.get(runId);
      expectSameBytes(run.input, big, 'run.input');
      expectSameBytes(run.output, big, 'run.output');
      expectSameBytes((await storage().steps.get(runId, stepId)).output, big, 'step.output');
      const events = await listAllEvents(storage(), runId);
      const completed = events.find((event) => event.eventType === 'step_completed');
      expectSameBytes(
        completed?.eventType === 'step_completed' ? completed.eventData.result : undefined,
        big,
        'step_completed.result',
      );
    });
  });
}
