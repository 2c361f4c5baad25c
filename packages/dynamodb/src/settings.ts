import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { resolveSetting, WorldkitConfigError } from '@worldkit/core';
import { z } from 'zod';

export const PACKAGE_NAME = '@worldkit/dynamodb';

/** What users pass to `dynamodbStorage(...)` / `dynamodbVersions(...)` / `dynamodb(...)`. */
export interface DynamoDbSettings {
  /** Table holding every Worldkit item; env `WORLDKIT_DYNAMODB_TABLE`, default `worldkit`. */
  table?: string;
  /** AWS region; env `AWS_REGION`. Unset: the AWS SDK's own lookup (profile, IMDS) decides. */
  region?: string;
  /** Endpoint URL (DynamoDB Local, a VPC endpoint); env `WORLDKIT_DYNAMODB_ENDPOINT`. */
  endpoint?: string;
  /**
   * An existing `DynamoDBClient` to use as-is (its region, endpoint and credentials win over
   * `region` / `endpoint`). Worldkit never destroys it; its owner does.
   */
  client?: DynamoDBClient;
  /**
   * Create the table (and add missing indexes) on first use, as `setup()` does. Default `true`;
   * set `false` when the table is provisioned separately and the app's role has no
   * `CreateTable` / `UpdateTable` permission. Env `WORLDKIT_DYNAMODB_AUTO_SETUP` (`true`/`false`).
   */
  autoSetup?: boolean;
  /**
   * Sockets the SDK client may open to DynamoDB at once (the SDK's default is 50). Size it to
   * the deliveries this process runs at once — each can have a request in flight — or requests
   * queue in the client (`socket usage at capacity`). Default 200 (twice the SQS queue's default
   * concurrency); env `WORLDKIT_DYNAMODB_MAX_SOCKETS`. Ignored with `client`.
   */
  maxSockets?: number;
}

export interface ResolvedDynamoDbSettings {
  table: string;
  region: string | undefined;
  endpoint: string | undefined;
  client: DynamoDBClient | undefined;
  autoSetup: boolean;
  maxSockets: number;
}

// DynamoDB's own rule for table names.
const tableSchema = z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/);
const regionSchema = z.string().regex(/^[a-z]{2}(?:-[a-z]+)+-\d+$/);
const endpointSchema = z.url({ protocol: /^https?$/ });
const autoSetupSchema = z.union([
  z.boolean(),
  z.enum(['true', 'false']).transform((value) => value === 'true'),
]);

/** Duck-typed so a client from another copy of the SDK is accepted. */
function isClient(value: unknown): value is DynamoDBClient {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as DynamoDBClient).send === 'function' &&
    typeof (value as DynamoDBClient).config === 'object'
  );
}

/**
 * Validates options and applies env fallbacks. Synchronous and free of I/O, so a bad
 * `world.config.ts` fails when it is composed, with an error naming the option and variable.
 */
export function resolveDynamoDbSettings(settings: DynamoDbSettings = {}): ResolvedDynamoDbSettings {
  if (settings.client !== undefined && !isClient(settings.client)) {
    throw new WorldkitConfigError(
      [
        {
          key: 'client',
          expected: 'a DynamoDBClient from @aws-sdk/client-dynamodb',
          received: typeof settings.client,
        },
      ],
      `${PACKAGE_NAME} options`,
    );
  }
  const table = resolveSetting(
    {
      packageName: PACKAGE_NAME,
      option: 'table',
      envVar: 'WORLDKIT_DYNAMODB_TABLE',
      schema: tableSchema,
      expected: 'a DynamoDB table name (3–255 of A-Z a-z 0-9 _ . -)',
    },
    settings.table,
    'worldkit',
  );
  const region = resolveSetting<string | undefined>(
    {
      packageName: PACKAGE_NAME,
      option: 'region',
      envVar: 'AWS_REGION',
      schema: regionSchema,
      expected: 'an AWS region such as eu-west-1',
    },
    settings.region,
    undefined,
  );
  const endpoint = resolveSetting<string | undefined>(
    {
      packageName: PACKAGE_NAME,
      option: 'endpoint',
      envVar: 'WORLDKIT_DYNAMODB_ENDPOINT',
      schema: endpointSchema,
      expected: 'an http(s):// URL',
    },
    settings.endpoint,
    undefined,
  );
  const autoSetup = resolveSetting<boolean>(
    {
      packageName: PACKAGE_NAME,
      option: 'autoSetup',
      envVar: 'WORLDKIT_DYNAMODB_AUTO_SETUP',
      schema: autoSetupSchema as z.ZodType<boolean>,
      expected: 'true or false',
    },
    settings.autoSetup,
    true,
  );
  const maxSockets = resolveSetting(
    {
      packageName: PACKAGE_NAME,
      option: 'maxSockets',
      envVar: 'WORLDKIT_DYNAMODB_MAX_SOCKETS',
      schema: z.coerce.number().int().positive(),
      expected: 'a positive integer',
    },
    settings.maxSockets,
    200,
  );
  return { table, region, endpoint, client: settings.client, autoSetup, maxSockets };
}
