import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { EntityConflictError } from '@workflow/errors';
import { monotonicFactory } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHUNK_BYTES } from '../encoding/blob-items.js';
import { useLocalDynamoDb } from '../test-support/local-dynamodb.js';
import { createDynamoDbStorage, type DynamoDbStorage } from './dynamodb-storage.js';
import { runPartition } from './keys.js';

const local = useLocalDynamoDb();
const table = 'worldkit_large_payloads';
const nextUlid = monotonicFactory();

/** A TransactWriteItems held before it is sent (`holdNextTransaction`). */
interface HeldTransaction {
  /** Settles once the transaction is waiting (its chunks, if any, are already stored). */
  reached: Promise<void>;
  /** Sends it on. */
  release(): void;
  /** What DynamoDB answered it: `'committed'` or the error's name. */
  answered: Promise<string>;
  /** Stops waiting for a transaction that never came. */
  disarm(): void;
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

/** The hold `storage`'s client applies to its next TransactWriteItems, when one is armed. */
let armed: { arrive(): void; released: Promise<void>; answer(outcome: string): void } | undefined;

/** Holds `storage`'s next TransactWriteItems until `release()` (a one-shot gate). */
function holdNextTransaction(): HeldTransaction {
  const reached = deferred();
  const released = deferred();
  const answered = deferred<string>();
  const hold = { arrive: reached.resolve, released: released.promise, answer: answered.resolve };
  armed = hold;
  return {
    reached: reached.promise,
    release: released.resolve,
    answered: answered.promise,
    disarm: () => {
      if (armed === hold) armed = undefined;
    },
  };
}

/** `storage`'s own SDK client (a second process's is separate), with the transaction gate. */
function gatedClient(): DynamoDBClient {
  const client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: local.server().endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const hold = context.commandName === 'TransactWriteItemsCommand' ? armed : undefined;
      if (!hold) return next(args);
      armed = undefined;
      hold.arrive();
      await hold.released;
      try {
        const output = await next(args);
        hold.answer('committed');
        return output;
      } catch (error) {
        hold.answer((error as Error).name);
        throw error;
      }
    },
    { step: 'initialize', name: 'holdTransactWriteItems' },
  );
  return client;
}

let client: DynamoDBClient | undefined;
let storage: DynamoDbStorage;
/** A second instance on the same table, as another process: its writes race this one's. */
let otherProcess: DynamoDbStorage;
beforeAll(async () => {
  client = gatedClient();
  storage = createDynamoDbStorage({ ...local.settings(table), client });
  await storage.setup();
  otherProcess = createDynamoDbStorage(local.settings(table));
});
afterAll(async () => {
  await storage?.close();
  await otherProcess?.close();
  // A client passed in settings is its owner's to destroy.
  client?.destroy();
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
        ConsistentRead: true,
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
    const big = payload(5 * 1024 * 1024, 5);
    const { runId, stepId } = await runWithStep(new Uint8Array([0]));
    const before = await chunkCount(runId);
    // The big write stores its chunks, then its transaction is held until another process has
    // completed the step: the transaction then fails its condition, and the write must take
    // its chunks back. (Unheld, it could commit first on a busy machine.)
    const held = holdNextTransaction();
    const loser = storage.events.create(runId, {
      eventType: 'step_completed',
      correlationId: stepId,
      eventData: { result: big },
    });
    const outcome = loser.then(
      () => new Error('the big write committed'),
      (error: unknown) => error,
    );
    try {
      const first = await Promise.race([
        held.reached.then(() => 'held before its transaction'),
        outcome.then((settled) => `settled first: ${String(settled)}`),
      ]);
      expect(first).toBe('held before its transaction');
      // Two-phase: every chunk is stored before the transaction that references them.
      expect((await chunkCount(runId)) - before).toBe(Math.ceil(big.byteLength / CHUNK_BYTES));
      const winner = await otherProcess.events.create(runId, {
        eventType: 'step_completed',
        correlationId: stepId,
        eventData: { result: new Uint8Array([9]) },
      });
      expect(winner.step?.status).toBe('completed');
    } finally {
      held.disarm();
      held.release();
    }
    // The held transaction reached DynamoDB and lost there (not refused before it was sent).
    expect(await held.answered).toBe('TransactionCanceledException');
    const error = await outcome;
    expect(EntityConflictError.is(error)).toBe(true);
    expect((error as Error).name).toBe('EntityConflictError');
    expect((error as Error).message).toMatch(/terminal state "completed"/);
    // Its chunks are gone; the competitor's result is what the step and its events hold.
    expect(await chunkCount(runId)).toBe(before);
    const step = await storage.steps.get(runId, stepId);
    expect(step.status).toBe('completed');
    expectBytes(step.output, new Uint8Array([9]));
    const events = await storage.events.listByCorrelationId({ correlationId: stepId });
    const completed = events.data.filter((event) => event.eventType === 'step_completed');
    expect(completed).toHaveLength(1);
    expectBytes(
      (completed[0] as { eventData: { result: Uint8Array } }).eventData.result,
      new Uint8Array([9]),
    );
  });
});
