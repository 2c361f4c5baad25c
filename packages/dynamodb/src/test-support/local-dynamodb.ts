import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type RunningDynamoDbLocal, startDynamoDbLocal } from '@worldkit/test-servers';
import { ulid } from 'ulid';
import { afterAll, beforeAll } from 'vitest';
import type { DynamoDbSettings } from '../settings.js';

export interface LocalDynamoDb {
  /** Settings for a table of its own on the running DynamoDB Local. */
  settings(table?: string): DynamoDbSettings;
  /** A raw client for inspecting the table (fake credentials, us-east-1). */
  client(): DynamoDBClient;
  server(): RunningDynamoDbLocal;
}

/**
 * Starts DynamoDB Local once for the calling test file (127.0.0.1 only) and stops it by PID
 * afterwards. Call at the top level, before suites whose `beforeAll` needs it.
 */
export function useLocalDynamoDb(): LocalDynamoDb {
  let server: RunningDynamoDbLocal | undefined;
  let client: DynamoDBClient | undefined;
  beforeAll(async () => {
    server = await startDynamoDbLocal();
    client = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: server.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  }, 60_000);
  afterAll(async () => {
    client?.destroy();
    await server?.stop();
  });
  const running = () => {
    if (!server || !client) throw new Error('DynamoDB Local is only available inside tests');
    return { server, client };
  };
  return {
    settings: (table = `wk_${ulid().toLowerCase()}`) => ({ table, client: running().client }),
    client: () => running().client,
    server: () => running().server,
  };
}
