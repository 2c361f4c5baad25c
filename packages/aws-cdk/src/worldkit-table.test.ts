import { setupTable } from '@worldkit/dynamodb';
import { RemovalPolicy } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { resources, synth } from './test-support/template.js';
import { WorldkitTable } from './worldkit-table.js';

interface CreateTableInput {
  TableName: string;
  BillingMode: string;
  AttributeDefinitions: Array<{ AttributeName: string; AttributeType: string }>;
  KeySchema: Array<{ AttributeName: string; KeyType: string }>;
  LocalSecondaryIndexes: unknown[];
  GlobalSecondaryIndexes: unknown[];
}

/**
 * Runs `@worldkit/dynamodb`'s own `setupTable` against a stand-in client (the table is missing,
 * then ACTIVE) and returns the `CreateTable` request it sends: the schema the package creates,
 * taken from its code rather than written down a second time here.
 */
async function tableThePackageCreates(): Promise<CreateTableInput> {
  let created: CreateTableInput | undefined;
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      switch (command.constructor.name) {
        case 'DescribeTableCommand': {
          if (!created) {
            throw Object.assign(new Error('missing'), { name: 'ResourceNotFoundException' });
          }
          return {
            Table: {
              TableStatus: 'ACTIVE',
              KeySchema: created.KeySchema,
              LocalSecondaryIndexes: created.LocalSecondaryIndexes,
              GlobalSecondaryIndexes: (created.GlobalSecondaryIndexes as object[]).map((index) => ({
                ...index,
                IndexStatus: 'ACTIVE',
              })),
            },
          };
        }
        case 'CreateTableCommand':
          created = command.input as unknown as CreateTableInput;
          return {};
        default:
          throw new Error(
            `setupTable sent ${command.constructor.name}, which this test does not expect`,
          );
      }
    },
  };
  const report = await setupTable(client as never, 'worldkit');
  expect(report.createdTable).toBe(true);
  if (!created) throw new Error('setupTable created no table');
  return created;
}

/** CloudFormation's spelling of an SDK index: the same fields, without empty ones. */
const asCloudFormation = (index: unknown) => JSON.parse(JSON.stringify(index));
const byName = <T extends { IndexName?: unknown; AttributeName?: unknown }>(list: T[]) =>
  [...list].sort((a, b) =>
    String(a.IndexName ?? a.AttributeName).localeCompare(String(b.IndexName ?? b.AttributeName)),
  );

describe('WorldkitTable', () => {
  let expected: CreateTableInput;
  let table: Record<string, unknown>;
  let tableResource: Record<string, unknown>;

  beforeAll(async () => {
    expected = await tableThePackageCreates();
    const { template } = synth((stack) => new WorldkitTable(stack, 'Workflows'));
    const tables = Object.values(resources(template, 'AWS::DynamoDB::Table'));
    expect(tables).toHaveLength(1);
    tableResource = tables[0]!;
    table = tableResource.Properties as Record<string, unknown>;
  });

  it('has the key schema setupTable creates (pk HASH, sk RANGE)', () => {
    expect(table.KeySchema).toEqual(expected.KeySchema);
    expect(table.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
  });

  it('defines the same attributes, all strings', () => {
    expect(byName(table.AttributeDefinitions as CreateTableInput['AttributeDefinitions'])).toEqual(
      byName(expected.AttributeDefinitions),
    );
    expect(expected.AttributeDefinitions.length).toBeGreaterThan(2);
  });

  it('has the local and global indexes setupTable creates, with their projections', () => {
    expect(byName(table.LocalSecondaryIndexes as [])).toEqual(
      byName(expected.LocalSecondaryIndexes.map(asCloudFormation)),
    );
    expect(byName(table.GlobalSecondaryIndexes as [])).toEqual(
      byName(expected.GlobalSecondaryIndexes.map(asCloudFormation)),
    );
    // Concrete, so a wrong import cannot pass by comparing nothing with nothing.
    expect((table.GlobalSecondaryIndexes as unknown[]).length).toBe(5);
    expect(table.GlobalSecondaryIndexes).toContainEqual({
      IndexName: 'lookup',
      KeySchema: [
        { AttributeName: 'gsi1pk', KeyType: 'HASH' },
        { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['status', 'runId'] },
    });
    expect(table.LocalSecondaryIndexes).toEqual([
      {
        IndexName: 'runOrder',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'lsi1sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ]);
  });

  it('bills on demand, as setupTable does, with point-in-time recovery on', () => {
    expect(expected.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.ProvisionedThroughput).toBeUndefined();
    expect(table.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
  });

  it('keeps the data: retained on stack deletion, deletion protection on, TTL for claims only', () => {
    expect(tableResource.DeletionPolicy).toBe('Retain');
    expect(tableResource.UpdateReplacePolicy).toBe('Retain');
    expect(table.DeletionProtectionEnabled).toBe(true);
    // Only claims (replay protection) carry `ttl`; runs and versions never expire.
    expect(table.TimeToLiveSpecification).toEqual({ AttributeName: 'ttl', Enabled: true });
  });

  it('takes a name and a removal policy', () => {
    const { template } = synth(
      (stack) =>
        new WorldkitTable(stack, 'Workflows', {
          tableName: 'acme-workflows',
          removalPolicy: RemovalPolicy.DESTROY,
          deletionProtection: false,
        }),
    );
    const [only] = Object.values(resources(template, 'AWS::DynamoDB::Table'));
    expect(only?.DeletionPolicy).toBe('Delete');
    expect(only?.Properties).toMatchObject({
      TableName: 'acme-workflows',
      DeletionProtectionEnabled: false,
    });
  });
});
