import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHUNK_BYTES } from '../encoding/blob-items.js';
import { useLocalDynamoDb } from '../test-support/local-dynamodb.js';
import { createDynamoDbStorage, type DynamoDbStorage } from './dynamodb-storage.js';
import { runPartition } from './keys.js';

const local = useLocalDynamoDb();
const table = 'worldkit_large_payloads';
const nextUlid = monotonicFactory();

let storage: DynamoDbStorage;
/** A second instance on the same table, as another process: its writes race this one's. */
let otherProcess: DynamoDbStorage;
beforeAll(async () => {
  storage = createDynamoDbStorage(local.settings(table));
  await storage.setup();
  otherProcess = createDynamoDbStorage(local.settings(table));
});
afterAll(async () => {
  await storage?.close();
  await otherProcess?.close();
});

function payload(size: number, seed: number): Uint8Array {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (i * 31 + seed + (i >> 9)) & 0xff;
  return data;
}

/** Compares bytes without vitest's element-by-element diff (slow for megabytes). */
function expectBytes(actual: unknown, expected: Uint8Array) {
  expect(actual).toBeInstanceOf(Uint8Array);
  expect(Buffer.compare(Buffer.from(actual as Uint8Array), Buffer.from(expected))).toBe(0);
}

/** Blob chunk items stored in a run's partition. */
async function chunkCount(runId: string): Promise<number> {
  const documents = DynamoDBDocumentClient.from(local.client());
  let count = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': runPartition(runId), ':prefix': 'BLOB#' },
        ProjectionExpression: 'sk',
        ExclusiveStartKey: startKey,
      }),
    );
    count += page.Items?.length ?? 0;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return count;
}

async function runWithStep(input: unknown) {
  const runId = `wrun_${nextUlid()}`;
  await storage.events.create(runId, {
    eventType: 'run_created',
    eventData: { deploymentId: 'dpl_large', workflowName: 'large', input },
  });
  await storage.events.create(runId, { eventType: 'run_started' });
  const stepId = `step_${nextUlid()}`;
  await storage.events.create(runId, {
    eventType: 'step_created',
    correlationId: stepId,
    eventData: { stepName: 'large', input: new Uint8Array([1]) },
  });
  await storage.events.create(runId, { eventType: 'step_started', correlationId: stepId });
  return { runId, stepId };
}

describe('payloads beyond the 400 KB item limit', () => {
  it('a 1 MB step output is chunked once and shared by the step and its event', async () => {
    const big = payload(1024 * 1024, 7);
    const { runId, stepId } = await runWithStep(new Uint8Array([0]));
    const before = await chunkCount(runId);
    await storage.events.create(runId, {
      eventType: 'step_completed',
      correlationId: stepId,
      eventData: { result: big },
    });
    // One blob (the same bytes are the step's output and the event's result), in 350 KB chunks.
    expect((await chunkCount(runId)) - before).toBe(Math.ceil(big.byteLength / CHUNK_BYTES));
    expectBytes((await storage.steps.get(runId, stepId)).output, big);
    const events = await storage.events.listByCorrelationId({ correlationId: stepId });
    const completed = events.data.find((event) => event.eventType === 'step_completed');
    expectBytes((completed as { eventData: { result: Uint8Array } }).eventData.result, big);
  });

  it('a 5 MB output (beyond one transaction’s 4 MB) is written in two phases and reads back whole', async () => {
    const huge = payload(5 * 1024 * 1024, 11);
    const { runId, stepId } = await runWithStep(new Uint8Array([0]));
    const result = await storage.events.create(runId, {
      eventType: 'step_completed',
      correlationId: stepId,
      eventData: { result: huge },
    });
    expectBytes(result.step?.output, huge);
    expectBytes((await storage.steps.get(runId, stepId)).output, huge);
    await storage.events.create(runId, { eventType: 'run_completed', eventData: { output: huge } });
    expectBytes((await storage.runs.get(runId)).output, huge);
    // resolveData 'none' never needs the chunks.
    expect((await storage.runs.get(runId, { resolveData: 'none' })).output).toBeUndefined();
  });

  it('a large JSON payload (legacy spec) is stored as a JSON blob and round-trips', async () => {
    const legacy = { text: 'x'.repeat(600_000), nested: [{ at: 'y'.repeat(200_000) }], n: 1 };
    const { runId } = await runWithStep(legacy);
    expect((await storage.runs.get(runId)).input).toEqual(legacy);
    const created = (await storage.events.list({ runId })).data[0];
    expect((created as { eventData: { input: unknown } }).eventData.input).toEqual(legacy);
    expect(await chunkCount(runId)).toBeGreaterThan(0);
  });

  it('a write refused before it starts stores no chunks', async () => {
    const { runId, stepId } = await runWithStep(new Uint8Array([0]));
    await storage.events.create(runId, {
      eventType: 'step_completed',
      correlationId: stepId,
      eventData: { result: new Uint8Array([1]) },
    });
    const before = await chunkCount(runId);
    await expect(
      storage.events.create(runId, {
        eventType: 'step_completed',
        correlationId: stepId,
        eventData: { result: payload(5 * 1024 * 1024, 3) },
      }),
    ).rejects.toThrow(/terminal state/);
    expect(await chunkCount(runId)).toBe(before);
  });

  it('a two-phase write that loses its race deletes the chunks it wrote first', async () => {
    const { runId, stepId } = await runWithStep(new Uint8Array([0]));
    const before = await chunkCount(runId);
    const loser = storage.events.create(runId, {
      eventType: 'step_completed',
      correlationId: stepId,
      eventData: { result: payload(5 * 1024 * 1024, 5) },
    });
    const outcome = loser.then(
      () => 'committed',
      (error: Error) => error.name,
    );
    // Once its first chunks are stored, another process completes the step: the big write's
    // transaction then fails its condition and must take its chunks back.
    while ((await chunkCount(runId)) === before) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await otherProcess.events.create(runId, {
      eventType: 'step_completed',
      correlationId: stepId,
      eventData: { result: new Uint8Array([9]) },
    });
    expect(await outcome).toBe('EntityConflictError');
    expect(await chunkCount(runId)).toBe(before);
    expectBytes((await storage.steps.get(runId, stepId)).output, new Uint8Array([9]));
  });
});
