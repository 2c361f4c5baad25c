import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  TransactGetCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { WorkflowWorldError } from '@workflow/errors';
import { exponentialBackoff } from '@worldkit/provider';
import { blobChunkItems } from '../encoding/blob-items.js';
import type { BlobPlan } from '../encoding/stored-value.js';
import type { ItemKey } from './keys.js';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** DynamoDB's limits for one TransactWriteItems call. */
const MAX_TRANSACTION_ITEMS = 100;
/** 4 MB aggregate, less headroom for keys, attribute names and our estimate's slack. */
const MAX_TRANSACTION_BYTES = 3_500_000;
/** Chunk puts in flight at once during a two-phase write. */
const CHUNK_PUT_CONCURRENCY = 4;

/**
 * A write was refused because what it read changed (a condition failed or another transaction
 * held an item): the caller re-reads and decides again, which yields the right outcome —
 * `EntityConflictError`, a no-op `run_started`, a `hook_conflict` — as if the writers had
 * queued up. Throttling is retried the same way.
 */
export class StaleWrite extends Error {
  override readonly name = 'StaleWrite';
}

const RETRYABLE_REASONS = new Set([
  'ConditionalCheckFailed',
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
  'RequestLimitExceeded',
]);
const RETRYABLE_ERRORS = new Set([
  'TransactionConflictException',
  'TransactionInProgressException',
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
]);

interface CancellationReason {
  Code?: string;
  Message?: string;
}

/**
 * Maps a DynamoDB error to what the runtime understands: `StaleWrite` (decide again) for lost
 * races and throttling, a `WorkflowWorldError` naming the limit for item-size and partition-size
 * refusals, anything else unchanged.
 */
export function classifyWriteError(error: unknown): Error {
  const name = (error as Error)?.name;
  if (name === 'TransactionCanceledException') {
    const reasons = ((error as { CancellationReasons?: CancellationReason[] })
      .CancellationReasons ?? []) as CancellationReason[];
    const failed = reasons.filter((reason) => reason.Code && reason.Code !== 'None');
    if (failed.every((reason) => RETRYABLE_REASONS.has(reason.Code as string))) {
      return new StaleWrite(failed.map((reason) => reason.Code).join(', '));
    }
    const fatal = failed.find((reason) => !RETRYABLE_REASONS.has(reason.Code as string));
    if (fatal?.Code === 'ItemCollectionSizeLimitExceeded') {
      return new WorkflowWorldError(
        'DynamoDB refused the write: the run’s items exceed the 10 GB per-partition limit of a table with a local index',
      );
    }
    return new WorkflowWorldError(
      `DynamoDB refused the write (${fatal?.Code}): ${fatal?.Message ?? (error as Error).message}`,
    );
  }
  if (RETRYABLE_ERRORS.has(name)) return new StaleWrite(name);
  if (name === 'ValidationException') {
    return new WorkflowWorldError(`DynamoDB refused the request: ${(error as Error).message}`);
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** Rough size of an item as DynamoDB counts it (names + values), for the 4 MB limit. */
function estimateBytes(item: TransactItem): number {
  return Buffer.byteLength(
    JSON.stringify(item, (_key, value) => (value instanceof Uint8Array ? value.byteLength : value)),
  );
}

/**
 * Commits one event's items atomically. Blob chunks ride in the same transaction when they fit
 * DynamoDB's 100-item / 4 MB limits. When they do not, they are written first (two-phase): the
 * chunks are invisible until the transaction that writes the entities referencing them
 * commits, and they are deleted again if it does not. A crash in between leaves unreferenced
 * chunks in the owner's partition, never a reference to a missing chunk.
 *
 * `beforeTransaction` runs after the chunks are written and right before the transaction (a
 * reserved write takes its log positions there, so they stay open for one round trip only).
 */
export async function commitWrite(
  documents: DynamoDBDocumentClient,
  table: string,
  partition: string,
  items: TransactItem[],
  blobs: BlobPlan,
  beforeTransaction?: () => Promise<void>,
): Promise<void> {
  const chunks = blobChunkItems(partition, blobs);
  const chunkBytes = blobs.totalBytes;
  const itemBytes = items.reduce((sum, item) => sum + estimateBytes(item), 0);
  const fits =
    items.length + chunks.length <= MAX_TRANSACTION_ITEMS &&
    itemBytes + chunkBytes + chunks.length * 200 <= MAX_TRANSACTION_BYTES;
  if (fits) {
    const chunkPuts = chunks.map((Item): TransactItem => ({ Put: { TableName: table, Item } }));
    await beforeTransaction?.();
    await transact(documents, [...items, ...chunkPuts]);
    return;
  }
  if (items.length > MAX_TRANSACTION_ITEMS) {
    throw new WorkflowWorldError(
      `an event needs ${items.length} items in one transaction (DynamoDB allows ${MAX_TRANSACTION_ITEMS})`,
    );
  }
  const written: ItemKey[] = [];
  try {
    for (let next = 0; next < chunks.length; next += CHUNK_PUT_CONCURRENCY) {
      await Promise.all(
        chunks.slice(next, next + CHUNK_PUT_CONCURRENCY).map(async (Item) => {
          await documents.send(new PutCommand({ TableName: table, Item }));
          written.push({ pk: Item.pk, sk: Item.sk });
        }),
      );
    }
    await beforeTransaction?.();
    await transact(documents, items);
  } catch (error) {
    await Promise.allSettled(
      written.map((Key) => documents.send(new DeleteCommand({ TableName: table, Key }))),
    );
    throw error;
  }
}

async function transact(documents: DynamoDBDocumentClient, items: TransactItem[]): Promise<void> {
  try {
    await documents.send(new TransactWriteCommand({ TransactItems: items }));
  } catch (error) {
    throw classifyWriteError(error);
  }
}

/**
 * Reads items as one serializable snapshot (TransactGetItems), so state decided on is never
 * torn between two transactions. Missing items come back `undefined`.
 */
export async function readSnapshot(
  documents: DynamoDBDocumentClient,
  table: string,
  keys: ItemKey[],
): Promise<Array<Record<string, unknown> | undefined>> {
  try {
    const result = await documents.send(
      new TransactGetCommand({
        TransactItems: keys.map((Key) => ({ Get: { TableName: table, Key } })),
      }),
    );
    return (result.Responses ?? []).map((response) => response?.Item);
  } catch (error) {
    throw classifyWriteError(error);
  }
}

const MAX_ATTEMPTS = 40;

/**
 * Runs `attempt` until it does not throw `StaleWrite`, with jittered backoff. Contention is per
 * run (or per hook token), so a few writers resolve within a handful of rounds.
 */
export async function retryStaleWrites<T>(
  attempt: () => Promise<T>,
  onLost?: () => void,
): Promise<T> {
  for (let round = 1; ; round++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof StaleWrite)) throw error;
      onLost?.();
      if (round >= MAX_ATTEMPTS) {
        throw new WorkflowWorldError(
          `DynamoDB write kept losing to concurrent writers after ${MAX_ATTEMPTS} attempts (${error.message}); try again`,
        );
      }
      const ceiling = exponentialBackoff(round + 1, { base: 4, max: 250 });
      await new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
    }
  }
}
