import { describe, expect } from 'vitest';
import { it } from '../../conformance.js';
import type { StorageUnderTest } from '../conformance-options.js';
import { hookReceived, runCompleted, stepCompleted, stepStarted } from '../event-requests.js';
import { createHook, createRunningRun, createStep } from '../scenario.js';

/**
 * storage rule 8 in docs/contract.md: `resolveData: 'none'` strips payloads (run/step input and output, hook metadata,
 * the payload fields of event data) but keeps the metadata around them.
 */
export function describeResolveDataNone(storage: () => StorageUnderTest): void {
  describe("resolveData: 'none'", () => {
    it('strips run input and output from runs.get and runs.list', async () => {
      const run = await createRunningRun(storage());
      await storage().events.create(run.runId, runCompleted());

      const got = await storage().runs.get(run.runId, { resolveData: 'none' });
      expect(got, "storage rule 8 (docs/contract.md), resolveData: 'none': got").toMatchObject({
        runId: run.runId,
        status: 'completed',
        workflowName: run.workflowName,
      });
      expect(
        got.input,
        "storage rule 8 (docs/contract.md), resolveData: 'none': got.input",
      ).toBeUndefined();
      expect(
        got.output,
        "storage rule 8 (docs/contract.md), resolveData: 'none': got.output",
      ).toBeUndefined();

      const listed = await storage().runs.list({
        workflowName: run.workflowName,
        resolveData: 'none',
      });
      expect(
        listed.data,
        "storage rule 8 (docs/contract.md), resolveData: 'none': listed.data",
      ).toHaveLength(1);
      expect(
        listed.data[0].input,
        "storage rule 8 (docs/contract.md), resolveData: 'none': listed.data[0].input",
      ).toBeUndefined();
      expect(
        listed.data[0].output,
        "storage rule 8 (docs/contract.md), resolveData: 'none': listed.data[0].output",
      ).toBeUndefined();
      expect(
        listed.data[0].runId,
        "storage rule 8 (docs/contract.md), resolveData: 'none': listed.data[0].runId",
      ).toBe(run.runId);
    });

    it('strips step input and output from steps.get and steps.list', async () => {
      const run = await createRunningRun(storage());
      const step = await createStep(storage(), run.runId);
      await storage().events.create(run.runId, stepStarted(step.stepId));
      await storage().events.create(run.runId, stepCompleted(step.stepId));

      const got = await storage().steps.get(run.runId, step.stepId, { resolveData: 'none' });
      expect(got, "storage rule 8 (docs/contract.md), resolveData: 'none': got").toMatchObject({
        stepId: step.stepId,
        status: 'completed',
        stepName: step.stepName,
      });
      expect(
        got.input,
        "storage rule 8 (docs/contract.md), resolveData: 'none': got.input",
      ).toBeUndefined();
      expect(
        got.output,
        "storage rule 8 (docs/contract.md), resolveData: 'none': got.output",
      ).toBeUndefined();

      const listed = await storage().steps.list({ runId: run.runId, resolveData: 'none' });
      expect(
        listed.data,
        "storage rule 8 (docs/contract.md), resolveData: 'none': listed.data",
      ).toHaveLength(1);
      expect(
        listed.data[0].input,
        "storage rule 8 (docs/contract.md), resolveData: 'none': listed.data[0].input",
      ).toBeUndefined();
      expect(
        listed.data[0].output,
        "storage rule 8 (docs/contract.md), resolveData: 'none': listed.data[0].output",
      ).toBeUndefined();
    });

    it('strips hook metadata from hooks.get and hooks.list', async () => {
      const run = await createRunningRun(storage());
      const hook = await createHook(storage(), run.runId);

      const got = await storage().hooks.get(hook.hookId, { resolveData: 'none' });
      expect(got, "storage rule 8 (docs/contract.md), resolveData: 'none': got").toMatchObject({
        hookId: hook.hookId,
        token: hook.token,
      });
      expect(
        got.metadata,
        "storage rule 8 (docs/contract.md), resolveData: 'none': got.metadata",
      ).toBeUndefined();
      const listed = await storage().hooks.list({ runId: run.runId, resolveData: 'none' });
      expect(
        listed.data[0]?.hookId,
        "storage rule 8 (docs/contract.md), resolveData: 'none': listed.data[0]?.hookId",
      ).toBe(hook.hookId);
      expect(
        listed.data[0]?.metadata,
        "storage rule 8 (docs/contract.md), resolveData: 'none': listed.data[0]?.metadata",
      ).toBeUndefined();
    });

    it('strips payload fields from event data but keeps the rest, in list, get and listByCorrelationId', async () => {
      const run = await createRunningRun(storage());
      const step = await createStep(storage(), run.runId);
      const hook = await createHook(storage(), run.runId);
      await storage().events.create(run.runId, hookReceived(hook.hookId, hook.token));

      const listed = await storage().events.list({ runId: run.runId, resolveData: 'none' });
      const byType = new Map(listed.data.map((event) => [event.eventType, event]));
      const runCreatedData = (byType.get('run_created') as { eventData?: Record<string, unknown> })
        .eventData;
      expect(
        runCreatedData?.input,
        "storage rule 8 (docs/contract.md), resolveData: 'none': runCreatedData?.input",
      ).toBeUndefined();
      expect(
        runCreatedData?.workflowName,
        "storage rule 8 (docs/contract.md), resolveData: 'none': runCreatedData?.workflowName",
      ).toBe(run.workflowName);
      const stepCreatedData = (
        byType.get('step_created') as { eventData?: Record<string, unknown> }
      ).eventData;
      expect(
        stepCreatedData?.input,
        "storage rule 8 (docs/contract.md), resolveData: 'none': stepCreatedData?.input",
      ).toBeUndefined();
      expect(
        stepCreatedData?.stepName,
        "storage rule 8 (docs/contract.md), resolveData: 'none': stepCreatedData?.stepName",
      ).toBe(step.stepName);
      const hookCreatedData = (
        byType.get('hook_created') as { eventData?: Record<string, unknown> }
      ).eventData;
      expect(
        hookCreatedData?.metadata,
        "storage rule 8 (docs/contract.md), resolveData: 'none': hookCreatedData?.metadata",
      ).toBeUndefined();
      expect(
        hookCreatedData?.token,
        "storage rule 8 (docs/contract.md), resolveData: 'none': hookCreatedData?.token",
      ).toBe(hook.token);
      const receivedData = (byType.get('hook_received') as { eventData?: Record<string, unknown> })
        .eventData;
      expect(
        receivedData?.payload,
        "storage rule 8 (docs/contract.md), resolveData: 'none': receivedData?.payload",
      ).toBeUndefined();

      const stepEvent = byType.get('step_created');
      const got = await storage().events.get(run.runId, stepEvent?.eventId as string, {
        resolveData: 'none',
      });
      expect(
        (got as { eventData?: Record<string, unknown> }).eventData?.input,
        "storage rule 8 (docs/contract.md), resolveData: 'none': (got as { eventData?: Record<string, unknown> }).eventData?.input",
      ).toBeUndefined();
      expect(
        got.correlationId,
        "storage rule 8 (docs/contract.md), resolveData: 'none': got.correlationId",
      ).toBe(step.stepId);

      const correlated = await storage().events.listByCorrelationId({
        correlationId: step.stepId,
        resolveData: 'none',
      });
      expect(
        correlated.data,
        "storage rule 8 (docs/contract.md), resolveData: 'none': correlated.data",
      ).toHaveLength(1);
      expect(
        (correlated.data[0] as { eventData?: Record<string, unknown> }).eventData?.input,
        "storage rule 8 (docs/contract.md), resolveData: 'none': (correlated.data[0] as { eventData?: Record<string, unknown> }).eve...",
      ).toBeUndefined();
    });
  });
}
