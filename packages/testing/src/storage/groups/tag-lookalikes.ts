import { SPEC_VERSION_CURRENT } from '@workflow/world';
import { describe, expect } from 'vitest';
import { it } from '../../conformance.js';
import type { StorageUnderTest } from '../conformance-options.js';
import { newHookToken, newRunId, newStepId, newWorkflowName } from '../ids.js';
import { listAllEvents } from '../scenario.js';

/** The docs/contract.md section every assertion of this group checks. */
const RULE =
  'docs/contract.md "How stored values are encoded": a user value is never mistaken for a tag';

const ISO = '2026-01-02T03:04:05.678Z';
const LOOKALIKES = {
  date: { '$wk:date': ISO },
  notADate: { '$wk:date': 'soon' },
  bytes: { '$wk:bytes': 'AA==' },
  text: { '$wk:text': 'YQAAAGIA' },
  textWithNul: { '$wk:text': 'a\u0000b' },
  blob: { '$wk:blob': 'blob_01ARZ3NDEKTSV4RRFFQ69G5FAV' },
  brokenBlob: { '$wk:blob': 'x' },
  blobJson: { '$wk:blobjson': 'x' },
  escaped: { '$wk:literal': { '$wk:date': ISO } },
  gzip: { '$wk:gzip': 'H4sIAAAAAAAA' },
  list: [{ '$wk:bytes': '' }, { '$wk:date': 5 }, { '$wk:blob': null }],
  nested: { a: { b: { '$wk:date': { '$wk:bytes': 'AA==' } } } },
};

/**
 * User JSON shaped like the tags storages write (`$wk:date`, `$wk:bytes`, `$wk:text`,
 * `$wk:blob`, …): the object above, lookalikes as the entire value, and a value large enough
 * that a backend with an item-size limit stores the whole field out of line.
 */
const TAG_LOOKALIKE_VALUES: readonly unknown[] = [
  LOOKALIKES,
  { '$wk:blob': 'x' },
  { '$wk:date': ISO },
  { '$wk:literal': { '$wk:text': 'YQA=' } },
  [{ '$wk:bytes': 'AA==' }, 'a\u0000', { '$wk:unknown': 1 }],
  { big: 'x'.repeat(70_000), look: { '$wk:blob': 'x' }, whole: { '$wk:blobjson': 'x' } },
];

/** Step, hook and event values: the lookalikes, and lookalikes wrapped around large bytes. */
const ENTITY_VALUES: readonly unknown[] = [
  ...TAG_LOOKALIKE_VALUES,
  { '$wk:blob': new Uint8Array(20_000).fill(7), '$wk:bytes': 'x' },
  { '$wk:blob': new Uint8Array(20_000) },
];

/**
 * Legacy (spec 1) runs carry plain JSON chosen by the user, and a storage stores whatever value
 * it is handed for steps and hooks. Values shaped like the tags a JSON-text storage writes must
 * come back exactly as written from every read: runs.get, runs.list, events.list, steps.get and
 * hooks.getByToken.
 */
export function describeTagLookalikes(storage: () => StorageUnderTest): void {
  describe('user values shaped like stored-value tags', () => {
    it('round-trip as legacy run inputs: runs.get, runs.list and events.list', async () => {
      const workflowName = newWorkflowName('lookalikes');
      const runIds: string[] = [];
      for (const [index, input] of TAG_LOOKALIKE_VALUES.entries()) {
        const runId = newRunId();
        await storage().events.create(runId, {
          eventType: 'run_created',
          specVersion: 1,
          eventData: { deploymentId: 'dpl_conformance', workflowName, input },
        } as never);
        runIds.push(runId);
        expect(
          (await storage().runs.get(runId)).input,
          `${RULE} (runs.get, value ${index})`,
        ).toStrictEqual(input);
        const created = (await listAllEvents(storage(), runId)).find(
          (event) => event.eventType === 'run_created',
        );
        expect(
          (created as { eventData?: { input?: unknown } } | undefined)?.eventData?.input,
          `${RULE} (events.list run_created.input, value ${index})`,
        ).toStrictEqual(input);
      }
      const listed = await storage().runs.list({
        workflowName,
        resolveData: 'all',
        pagination: { limit: 100 },
      });
      const inputOf = new Map(
        listed.data.map((run) => [run.runId, (run as { input: unknown }).input]),
      );
      expect(
        runIds.map((runId) => inputOf.get(runId)),
        `${RULE} (runs.list)`,
      ).toStrictEqual(TAG_LOOKALIKE_VALUES);
    });

    it('round-trip through steps, hooks and their events', async () => {
      const spec = { specVersion: SPEC_VERSION_CURRENT } as const;
      for (const [index, value] of ENTITY_VALUES.entries()) {
        const runId = newRunId();
        await storage().events.create(runId, {
          eventType: 'run_created',
          ...spec,
          eventData: {
            deploymentId: 'dpl_conformance',
            workflowName: newWorkflowName('lookalike-entities'),
            input: new Uint8Array([1]),
          },
        } as never);
        await storage().events.create(runId, { eventType: 'run_started', ...spec } as never);
        const stepId = newStepId();
        await storage().events.create(runId, {
          eventType: 'step_created',
          ...spec,
          correlationId: stepId,
          eventData: { stepName: 'step//lookalike', input: value },
        } as never);
        await storage().events.create(runId, {
          eventType: 'step_started',
          ...spec,
          correlationId: stepId,
        } as never);
        await storage().events.create(runId, {
          eventType: 'step_completed',
          ...spec,
          correlationId: stepId,
          eventData: { result: value },
        } as never);
        const token = newHookToken();
        await storage().events.create(runId, {
          eventType: 'hook_created',
          ...spec,
          correlationId: `hook_${runId}`,
          eventData: { token, metadata: value },
        } as never);

        const where = (read: string) => `${RULE} (${read}, value ${index})`;
        const step = await storage().steps.get(runId, stepId);
        expect(step.input, where('steps.get input')).toStrictEqual(value);
        expect(step.output, where('steps.get output')).toStrictEqual(value);
        expect(
          (await storage().hooks.getByToken(token)).metadata,
          where('hooks.getByToken metadata'),
        ).toStrictEqual(value);
        const events = await listAllEvents(storage(), runId);
        const data = Object.fromEntries(
          events.map((event) => [event.eventType, (event as { eventData?: unknown }).eventData]),
        );
        expect(
          (data.step_created as { input?: unknown } | undefined)?.input,
          where('events.list step_created.input'),
        ).toStrictEqual(value);
        expect(
          (data.step_completed as { result?: unknown } | undefined)?.result,
          where('events.list step_completed.result'),
        ).toStrictEqual(value);
        expect(
          (data.hook_created as { metadata?: unknown } | undefined)?.metadata,
          where('events.list hook_created.metadata'),
        ).toStrictEqual(value);
      }
    });
  });
}
