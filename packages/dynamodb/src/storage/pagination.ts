import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { WorkflowWorldError } from '@workflow/errors';
import type { PaginatedResponse, PaginationOptions } from '@workflow/world';
import { exponentialBackoff } from '@worldkit/provider';
import { type GlobalIndexName, INDEX, KEY_ATTRIBUTES } from '../connection/table-definition.js';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
const KEY_ATTRIBUTE = /^(?:pk|sk|lsi1sk|gsi\d+pk|gsi\d+sk)$/;

export interface PageRequest {
  limit: number;
  forward: boolean;
  startKey: Record<string, unknown> | undefined;
}

/** Reads `pagination` as DynamoDB terms; the cursor is the last returned item's key. */
export function pageRequest(
  pagination: PaginationOptions | undefined,
  defaultOrder: 'asc' | 'desc',
): PageRequest {
  const limit = Math.min(Math.max(Math.trunc(pagination?.limit ?? DEFAULT_LIMIT), 1), MAX_LIMIT);
  const order = pagination?.sortOrder ?? defaultOrder;
  return { limit, forward: order === 'asc', startKey: decodeCursor(pagination?.cursor) };
}

function decodeCursor(cursor: string | undefined): Record<string, unknown> | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      key &&
      typeof key === 'object' &&
      Object.keys(key).length > 0 &&
      Object.entries(key).every(
        ([name, value]) => KEY_ATTRIBUTE.test(name) && typeof value === 'string',
      )
    ) {
      return key;
    }
  } catch {
    // Reported below.
  }
  throw new WorkflowWorldError(`invalid pagination cursor "${cursor}"`);
}

/** The attributes DynamoDB expects in `ExclusiveStartKey` for a query on `index`. */
function keyAttributesOf(index: string | undefined): string[] {
  if (!index) return ['pk', 'sk'];
  if (index === INDEX.runOrder) return ['pk', 'sk', 'lsi1sk'];
  const keys = KEY_ATTRIBUTES[index as GlobalIndexName];
  return ['pk', 'sk', keys.partition, keys.sort];
}

/** The cursor that continues after `item`: its key, for a query on `index` (or the table). */
export function encodeCursor(item: Record<string, unknown>, index: string | undefined): string {
  const key = Object.fromEntries(keyAttributesOf(index).map((name) => [name, item[name]]));
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/**
 * One page of a Query: follows DynamoDB's own pages (1 MB each, filters applied after the
 * limit) until `limit + 1` items matched, so `hasMore` is exact and the cursor is the key of
 * the last item returned, not of the last item DynamoDB looked at.
 */
export async function queryPage(
  documents: DynamoDBDocumentClient,
  input: Omit<QueryCommandInput, 'Limit' | 'ExclusiveStartKey' | 'ScanIndexForward'>,
  page: PageRequest,
  accept: (item: Record<string, unknown>) => boolean = () => true,
): Promise<{ items: Record<string, unknown>[]; cursor: string | null; hasMore: boolean }> {
  const wanted = page.limit + 1;
  const items: Record<string, unknown>[] = [];
  let startKey = page.startKey;
  do {
    const result = await documents.send(
      new QueryCommand({
        ...input,
        ScanIndexForward: page.forward,
        ExclusiveStartKey: startKey,
        Limit: Math.max(wanted - items.length, input.FilterExpression ? 25 : 1),
      }),
    );
    for (const item of result.Items ?? []) {
      if (items.length < wanted && accept(item)) items.push(item);
    }
    startKey = result.LastEvaluatedKey;
  } while (startKey && items.length < wanted);
  const hasMore = items.length > page.limit;
  const pageItems = hasMore ? items.slice(0, page.limit) : items;
  const last = pageItems.at(-1);
  return { items: pageItems, cursor: last ? encodeCursor(last, input.IndexName) : null, hasMore };
}

/** Fetches items by key with consistent reads, in the order of `keys`; missing ones are skipped. */
export async function batchGet(
  documents: DynamoDBDocumentClient,
  table: string,
  keys: Array<{ pk: string; sk: string }>,
): Promise<Record<string, unknown>[]> {
  const found = new Map<string, Record<string, unknown>>();
  const id = (key: { pk: unknown; sk: unknown }) => `${key.pk}\n${key.sk}`;
  for (let next = 0; next < keys.length; next += 100) {
    let pending: Array<Record<string, unknown>> = keys
      .slice(next, next + 100)
      .map(({ pk, sk }) => ({ pk, sk }));
    for (let round = 0; pending.length > 0; round++) {
      if (round > 0)
        await new Promise((resolve) =>
          setTimeout(resolve, exponentialBackoff(round + 1, { base: 20, max: 1000 })),
        );
      const result = await documents.send(
        new BatchGetCommand({
          RequestItems: { [table]: { Keys: pending, ConsistentRead: true } },
        }),
      );
      for (const item of result.Responses?.[table] ?? []) {
        found.set(id(item as { pk: string; sk: string }), item);
      }
      pending = (result.UnprocessedKeys?.[table]?.Keys ?? []) as Array<Record<string, unknown>>;
    }
  }
  return keys.map((key) => found.get(id(key))).filter((item) => item !== undefined);
}

/** A page of index keys turned into a page of entities, fetched from the table itself. */
export async function toEntityPage<I, T>(
  documents: DynamoDBDocumentClient,
  table: string,
  keysPage: { items: Record<string, unknown>[]; cursor: string | null; hasMore: boolean },
  convert: (item: I) => Promise<T> | T,
  stillMatches: (item: I) => boolean = () => true,
): Promise<PaginatedResponse<T>> {
  const items = await batchGet(
    documents,
    table,
    keysPage.items.map((item) => ({ pk: item.pk as string, sk: item.sk as string })),
  );
  const data = await Promise.all(
    (items as I[]).filter((item) => stillMatches(item)).map((item) => convert(item)),
  );
  return { data, cursor: keysPage.cursor, hasMore: keysPage.hasMore };
}
