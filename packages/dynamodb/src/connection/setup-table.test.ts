import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { createDynamoDbStorage } from '../storage/dynamodb-storage.js';
import { useLocalDynamoDb } from '../test-support/local-dynamodb.js';
import { setupTable } from './setup-table.js';
import { ATTRIBUTE_DEFINITIONS, GLOBAL_INDEXES, INDEX, LOCAL_INDEXES } from './table-definition.js';

const local = useLocalDynamoDb();

const describeTable = async (table: string) =>
  (await local.client().send(new DescribeTableCommand({ TableName: table }))).Table;

describe('setupTable', () => {
  it('creates the table with every index, then is a no-op', async () => {
    const table = 'setup_idempotent';
    const first = await setupTable(local.client(), table);
    expect(first).toEqual({ table, createdTable: true, addedIndexes: [] });

    const description = await describeTable(table);
    expect(description?.TableStatus).toBe('ACTIVE');
    expect(description?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(description?.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort()).toEqual(
      GLOBAL_INDEXES.map((index) => index.IndexName).sort(),
    );
    expect(description?.LocalSecondaryIndexes?.map((index) => index.IndexName)).toEqual([
      INDEX.runOrder,
    ]);
    // Expired claims (replay protection) are deleted by DynamoDB's TTL on `ttl`.
    const ttl = await local.client().send(new DescribeTimeToLiveCommand({ TableName: table }));
    expect(ttl.TimeToLiveDescription).toMatchObject({
      AttributeName: 'ttl',
      TimeToLiveStatus: expect.stringMatching(/^ENABL/),
    });

    const second = await setupTable(local.client(), table);
    expect(second).toEqual({ table, createdTable: false, addedIndexes: [] });
    // Concurrent setups of one table (several processes starting at once) all succeed.
    const concurrent = await Promise.all([1, 2, 3].map(() => setupTable(local.client(), table)));
    expect(concurrent.every((report) => !report.createdTable)).toBe(true);
  });

  it('adds the global indexes a table from an older release lacks', async () => {
    const table = 'setup_upgrade';
    const [kept, ...missing] = GLOBAL_INDEXES;
    await local.client().send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: ATTRIBUTE_DEFINITIONS.filter((attribute) =>
          ['pk', 'sk', 'lsi1sk', 'gsi1pk', 'gsi1sk'].includes(attribute.AttributeName as string),
        ),
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        LocalSecondaryIndexes: LOCAL_INDEXES,
        GlobalSecondaryIndexes: [kept],
      }),
    );

    const report = await setupTable(local.client(), table);
    expect(report.createdTable).toBe(false);
    expect(report.addedIndexes).toEqual(missing.map((index) => index.IndexName));
    const names = (await describeTable(table))?.GlobalSecondaryIndexes?.map(
      (index) => index.IndexName,
    );
    expect(names?.sort()).toEqual(GLOBAL_INDEXES.map((index) => index.IndexName).sort());
  });

  it('refuses a table with another key schema instead of writing into it', async () => {
    const table = 'setup_foreign';
    await local.client().send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );
    await expect(setupTable(local.client(), table)).rejects.toThrow(/key schema/);
    await local.client().send(new DeleteTableCommand({ TableName: table }));
  });

  it('storage sets its table up on first use unless autoSetup is off', async () => {
    const manual = createDynamoDbStorage({ ...local.settings('setup_manual'), autoSetup: false });
    await expect(manual.runs.list()).rejects.toThrow(/non-existent table|not found/i);
    await manual.setup();
    expect((await manual.runs.list()).data).toEqual([]);
    await manual.close();

    const automatic = createDynamoDbStorage(local.settings('setup_automatic'));
    expect((await automatic.runs.list()).data).toEqual([]);
    expect((await describeTable('setup_automatic'))?.TableStatus).toBe('ACTIVE');
    await automatic.close();
  });
});
