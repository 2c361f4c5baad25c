import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { SPEC_VERSION_CURRENT, type Storage } from '@workflow/world';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useLocalDynamoDb } from '../test-support/local-dynamodb.js';
import { createDynamoDbStorage, type DynamoDbStorage } from './dynamodb-storage.js';
import { runKey } from './keys.js';

/**
 * Legacy (spec 1) runs carry plain JSON chosen by the user, which may look exactly like the
 * tags stored values use (`$wk:date`, `$wk:bytes`, `$wk:blob`, …). They must come back as
 * written, and items written before the escape existed must still read back.
 */

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
/** Whole inputs: the object above, and lookalikes as the entire value. */
const INPUTS: unknown[] = [
  LOOKALIKES,
  { '$wk:blob': 'x' },
  { '$wk:date': ISO },
  { '$wk:literal': { '$wk:text': 'YQA=' } },
  [{ '$wk:bytes': 'AA==' }, 'a\u0000', { '$wk:unknown': 1 }],
  // Beyond the inline limit: the whole field is stored as a JSON blob.
  { big: 'x'.repeat(70_000), look: { '$wk:blob': 'x' }, whole: { '$wk:blobjson': 'x' } },
];
const TABLE = 'worldkit_tag_lookalikes';
/** Legacy runs: only `run_created` is accepted; their input is the user's JSON. */
const legacy = { specVersion: 1 } as const;
/** Entities of a current run; the storage stores whatever value it is handed. */
const spec = { specVersion: SPEC_VERSION_CURRENT } as const;

const local = useLocalDynamoDb();
let storage: DynamoDbStorage;
beforeAll(async () => {
  storage = createDynamoDbStorage(local.settings(TABLE));
  await storage.setup();
});
afterAll(async () => {
  await storage?.close();
});

async function createRun(
  store: Storage,
  workflowName: string,
  input: unknown,
  version: { specVersion: number } = legacy,
) {
  const created = await store.events.create(null, {
    eventType: 'run_created',
    ...version,
    eventData: { deploymentId: 'dpl_lookalikes', workflowName, input },
  } as never);
  return created.run?.runId as string;
}

describe('DynamoDB: user values shaped like stored-value tags', () => {
  it('round-trip as legacy run inputs: runs.get, runs.list and events.list', async () => {
    const workflowName = 'workflow//lookalikes';
    const runIds: string[] = [];
    for (const input of INPUTS) {
      const runId = await createRun(storage, workflowName, input);
      runIds.push(runId);
      expect((await storage.runs.get(runId)).input).toStrictEqual(input);
      const [created] = (await storage.events.list({ runId, resolveData: 'all' })).data;
      expect((created as { eventData: { input: unknown } }).eventData.input).toStrictEqual(input);
    }
    const listed = await storage.runs.list({
      workflowName,
      resolveData: 'all',
      pagination: { limit: 100 },
    });
    const inputOf = new Map(
      listed.data.map((run) => [run.runId, (run as { input: unknown }).input]),
    );
    expect(runIds.map((runId) => inputOf.get(runId))).toStrictEqual(INPUTS);
  });

  it('round-trip through steps, hooks and their events', async () => {
    // A large byte array inside a lookalike is stored as a blob, and still comes back inside it.
    const large = { '$wk:blob': new Uint8Array(20_000).fill(7), '$wk:bytes': 'x' };
    for (const input of [...INPUTS, large, { '$wk:blob': new Uint8Array(20_000) }]) {
      const runId = await createRun(storage, 'workflow//entities', new Uint8Array([1]), spec);
      await storage.events.create(runId, { eventType: 'run_started', ...spec } as never);
      await storage.events.create(runId, {
        eventType: 'step_created',
        ...spec,
        correlationId: 'step_1',
        eventData: { stepName: 'step//lookalike', input },
      } as never);
      await storage.events.create(runId, {
        eventType: 'step_started',
        ...spec,
        correlationId: 'step_1',
      } as never);
      await storage.events.create(runId, {
        eventType: 'step_completed',
        ...spec,
        correlationId: 'step_1',
        eventData: { result: input },
      } as never);
      await storage.events.create(runId, {
        eventType: 'hook_created',
        ...spec,
        correlationId: `hook_${runId}`,
        eventData: { token: `token-${runId}`, metadata: input },
      } as never);

      const step = await storage.steps.get(runId, 'step_1');
      expect(step.input).toStrictEqual(input);
      expect(step.output).toStrictEqual(input);
      expect((await storage.hooks.getByToken(`token-${runId}`)).metadata).toStrictEqual(input);
      const events = await storage.events.list({ runId, resolveData: 'all' });
      const data = Object.fromEntries(
        events.data.map((event) => [event.eventType, (event as { eventData?: unknown }).eventData]),
      );
      expect((data.step_created as { input: unknown }).input).toStrictEqual(input);
      expect((data.step_completed as { result: unknown }).result).toStrictEqual(input);
      expect((data.hook_created as { metadata: unknown }).metadata).toStrictEqual(input);
    }
  });

  it('items written before the escape existed read back as before', async () => {
    const runId = await createRun(storage, 'workflow//old-items', 'replaced below');
    // Exactly what earlier releases wrote: genuine tags, and user lookalikes unescaped. A
    // lookalike blob reference used to fail the read, and with it a whole runs.list page.
    const oldText = JSON.stringify({
      at: { '$wk:date': ISO },
      bytes: { '$wk:bytes': 'AAEA' },
      notADate: { '$wk:date': 'soon' },
      blob: { '$wk:blob': 'x' },
      blobJson: { '$wk:blobjson': 'blob_01ARZ3NDEKTSV4RRFFQ69G5FAV' },
      text: { '$wk:text': 'YQAAAGIA' },
      twoMembers: { '$wk:bytes': 'AA==', other: 1 },
    });
    await DynamoDBDocumentClient.from(local.client()).send(
      new UpdateCommand({
        TableName: TABLE,
        Key: runKey(runId),
        UpdateExpression: 'SET #input = :input',
        ExpressionAttributeNames: { '#input': 'input' },
        ExpressionAttributeValues: { ':input': oldText },
      }),
    );
    const expected = {
      at: new Date(ISO),
      bytes: new Uint8Array([0, 1, 0]),
      notADate: { '$wk:date': 'soon' },
      blob: { '$wk:blob': 'x' },
      // Only ever written as a whole field: anywhere else it is the user's object.
      blobJson: { '$wk:blobjson': 'blob_01ARZ3NDEKTSV4RRFFQ69G5FAV' },
      // DynamoDB never wrote `$wk:text`.
      text: { '$wk:text': 'YQAAAGIA' },
      twoMembers: { '$wk:bytes': 'AA==', other: 1 },
    };
    expect((await storage.runs.get(runId)).input).toStrictEqual(expected);
    const listed = await storage.runs.list({ workflowName: 'workflow//old-items' });
    expect((listed.data[0] as { input: unknown }).input).toStrictEqual(expected);
  });
});
