import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { WorldkitConfigError } from '@worldkit/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { dynamodb, dynamodbStorage } from './providers.js';
import { resolveDynamoDbSettings } from './settings.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('settings', () => {
  it('defaults the table and lets the AWS SDK find region and endpoint', () => {
    vi.stubEnv('WORLDKIT_DYNAMODB_TABLE', '');
    vi.stubEnv('AWS_REGION', '');
    vi.stubEnv('WORLDKIT_DYNAMODB_ENDPOINT', '');
    vi.stubEnv('WORLDKIT_DYNAMODB_AUTO_SETUP', '');
    vi.stubEnv('WORLDKIT_DYNAMODB_MAX_SOCKETS', '');
    expect(resolveDynamoDbSettings()).toEqual({
      table: 'worldkit',
      region: undefined,
      endpoint: undefined,
      client: undefined,
      autoSetup: true,
      maxSockets: 200,
    });
  });

  it('reads table, region, endpoint and autoSetup from the environment; options win', () => {
    vi.stubEnv('WORLDKIT_DYNAMODB_TABLE', 'from_env');
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    vi.stubEnv('WORLDKIT_DYNAMODB_ENDPOINT', 'http://127.0.0.1:8000');
    vi.stubEnv('WORLDKIT_DYNAMODB_AUTO_SETUP', 'false');
    vi.stubEnv('WORLDKIT_DYNAMODB_MAX_SOCKETS', '64');
    expect(resolveDynamoDbSettings()).toMatchObject({
      table: 'from_env',
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:8000',
      autoSetup: false,
      maxSockets: 64,
    });
    expect(resolveDynamoDbSettings({ table: 'explicit', region: 'us-east-2' })).toMatchObject({
      table: 'explicit',
      region: 'us-east-2',
    });
  });

  it('names the option and the variable when a value is bad', () => {
    expect(() => resolveDynamoDbSettings({ table: 'no spaces allowed' })).toThrowError(
      /table: expected a DynamoDB table name.*WORLDKIT_DYNAMODB_TABLE/s,
    );
    expect(() => resolveDynamoDbSettings({ maxSockets: 0 })).toThrowError(
      /maxSockets: expected a positive integer.*WORLDKIT_DYNAMODB_MAX_SOCKETS/s,
    );
    vi.stubEnv('AWS_REGION', 'moon');
    try {
      resolveDynamoDbSettings();
      expect.fail('expected a config error');
    } catch (error) {
      expect(WorldkitConfigError.is(error)).toBe(true);
      expect((error as Error).message).toMatch(/region.*from env AWS_REGION/);
    }
    vi.stubEnv('AWS_REGION', '');
    expect(() => dynamodbStorage({ endpoint: 'ftp://nope' })).toThrowError(/endpoint/);
    expect(() => dynamodbStorage({ client: {} as unknown as DynamoDBClient })).toThrowError(
      /client: expected a DynamoDBClient/,
    );
  });

  it('providers are plain objects built without I/O, with the declared capabilities', () => {
    const client = new DynamoDBClient({ region: 'us-east-1' });
    const parts = dynamodb({ table: 'worldkit', client });
    expect(parts.storage).toMatchObject({
      slot: 'storage',
      name: 'dynamodb',
      packageName: '@worldkit/dynamodb',
      capabilities: { atomicEventWrites: true, maxSpecVersion: 3, durable: true },
    });
    expect(parts.storage.versions?.slot).toBe('versions');
    expect(parts.versions).toMatchObject({ slot: 'versions', capabilities: { durable: true } });
    client.destroy();
  });
});
