import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
  type TableDescription,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { WorkflowWorldError } from '@workflow/errors';
import { TTL_ATTRIBUTE } from '../claims/dynamodb-claims.js';
import { ATTRIBUTE_DEFINITIONS, GLOBAL_INDEXES, INDEX, LOCAL_INDEXES } from './table-definition.js';

export interface SetupReport {
  table: string;
  /** The table did not exist and was created. */
  createdTable: boolean;
  /** Global indexes that were missing and were added (one UpdateTable each, as AWS requires). */
  addedIndexes: string[];
}

/** How long setup waits for a table or a new index to become ACTIVE (index backfills can be slow). */
const ACTIVE_TIMEOUT_MS = 15 * 60_000;

/**
 * Idempotent: creates the table (on-demand billing) with every index if it is missing, waits
 * until it is ACTIVE, and adds any global index an older release did not create. A local
 * index can only be created with the table, so a table without it is reported, not patched.
 */
export async function setupTable(client: DynamoDBClient, table: string): Promise<SetupReport> {
  const report: SetupReport = { table, createdTable: false, addedIndexes: [] };
  let description = await describe(client, table);
  if (!description) {
    await client
      .send(
        new CreateTableCommand({
          TableName: table,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: ATTRIBUTE_DEFINITIONS,
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          LocalSecondaryIndexes: LOCAL_INDEXES,
          GlobalSecondaryIndexes: GLOBAL_INDEXES,
        }),
      )
      .catch((error: Error) => {
        // Another process created it first: fine, wait for it like for our own.
        if (error.name !== 'ResourceInUseException') throw error;
      });
    report.createdTable = true;
    description = await waitUntilActive(client, table);
  } else if (description.TableStatus !== 'ACTIVE') {
    description = await waitUntilActive(client, table);
  }

  const keys = description.KeySchema?.map((key) => `${key.AttributeName}:${key.KeyType}`).join();
  if (keys !== 'pk:HASH,sk:RANGE') {
    throw new WorkflowWorldError(
      `DynamoDB table "${table}" has key schema ${keys}; Worldkit needs pk (HASH) and sk (RANGE), both strings. Use another table name.`,
    );
  }
  if (!description.LocalSecondaryIndexes?.some((index) => index.IndexName === INDEX.runOrder)) {
    throw new WorkflowWorldError(
      `DynamoDB table "${table}" lacks the local index "${INDEX.runOrder}", which can only be created with the table. Create a new table with setup().`,
    );
  }
  for (const index of GLOBAL_INDEXES) {
    const present = description.GlobalSecondaryIndexes?.some(
      (existing) => existing.IndexName === index.IndexName,
    );
    if (present) continue;
    await client
      .send(
        new UpdateTableCommand({
          TableName: table,
          AttributeDefinitions: ATTRIBUTE_DEFINITIONS.filter((attribute) =>
            index.KeySchema?.some((key) => key.AttributeName === attribute.AttributeName),
          ),
          GlobalSecondaryIndexUpdates: [{ Create: index }],
        }),
      )
      .catch((error: Error) => {
        // A concurrent setup is adding the same index.
        if (!/already exists/i.test(error.message)) throw error;
      });
    report.addedIndexes.push(index.IndexName as string);
    description = await waitUntilActive(client, table);
  }
  await enableTimeToLive(client, table);
  return report;
}

/**
 * Turns on TTL for `ttl`, so DynamoDB deletes expired claims by itself. Best effort: claims
 * are correct without it (their condition checks expiry), only expired items then stay, and a
 * table whose TTL uses another attribute is left as it is.
 */
async function enableTimeToLive(client: DynamoDBClient, table: string): Promise<void> {
  try {
    const current = await client.send(new DescribeTimeToLiveCommand({ TableName: table }));
    const status = current.TimeToLiveDescription?.TimeToLiveStatus;
    if (status && status !== 'DISABLED') return;
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: table,
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      }),
    );
  } catch {
    // A concurrent setup enabled it first, or the role may not change TTL: claims still hold.
  }
}

async function describe(
  client: DynamoDBClient,
  table: string,
): Promise<TableDescription | undefined> {
  try {
    const result = await client.send(new DescribeTableCommand({ TableName: table }));
    return result.Table;
  } catch (error) {
    if (
      error instanceof ResourceNotFoundException ||
      (error as Error).name === 'ResourceNotFoundException'
    )
      return undefined;
    throw error;
  }
}

/** Polls until the table and every index on it are ACTIVE. */
async function waitUntilActive(client: DynamoDBClient, table: string): Promise<TableDescription> {
  const deadline = Date.now() + ACTIVE_TIMEOUT_MS;
  let delay = 100;
  while (Date.now() < deadline) {
    const description = await describe(client, table);
    const indexesActive = (description?.GlobalSecondaryIndexes ?? []).every(
      (index) => index.IndexStatus === 'ACTIVE',
    );
    if (description?.TableStatus === 'ACTIVE' && indexesActive) return description;
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 5000);
  }
  throw new WorkflowWorldError(`DynamoDB table "${table}" did not become ACTIVE in time`);
}
