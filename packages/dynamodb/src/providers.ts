import { SPECIFICATION_VERSION, type StorageProvider, type VersionsProvider } from '@worldkit/core';
import { type DynamoDbSettings, PACKAGE_NAME, resolveDynamoDbSettings } from './settings.js';
import { createDynamoDbStorage } from './storage/dynamodb-storage.js';
import { createDynamoDbVersionStore } from './versions/dynamodb-version-store.js';

const NAME = 'dynamodb';

/**
 * Storage provider (runs, steps, events, hooks, waits) on one DynamoDB table. Settings are
 * validated here, so a bad `world.config.ts` fails when it is loaded; the SDK client is created
 * on first use. Ships `dynamodbVersions` on the same table as its version store.
 */
export function dynamodbStorage(settings: DynamoDbSettings = {}): StorageProvider {
  resolveDynamoDbSettings(settings);
  return {
    slot: 'storage',
    specificationVersion: SPECIFICATION_VERSION,
    name: NAME,
    packageName: PACKAGE_NAME,
    capabilities: { atomicEventWrites: true, maxSpecVersion: 3, durable: true },
    versions: dynamodbVersions(settings),
    create: () => createDynamoDbStorage(settings),
  };
}

/** Version records and the upgrade log in the same table. */
export function dynamodbVersions(settings: DynamoDbSettings = {}): VersionsProvider {
  resolveDynamoDbSettings(settings);
  return {
    slot: 'versions',
    specificationVersion: SPECIFICATION_VERSION,
    name: NAME,
    packageName: PACKAGE_NAME,
    capabilities: { durable: true },
    create: () => createDynamoDbVersionStore(settings),
  };
}

/**
 * Storage and versions on one table: spread into `defineWorld({ ...dynamodb(settings), queue,
 * streamer })`. DynamoDB has no queue or streamer here; pair it with `@worldkit/sqs` and a
 * streamer from `@worldkit/redis` or `@worldkit/postgres` (see README).
 */
export function dynamodb(settings: DynamoDbSettings = {}): {
  storage: StorageProvider;
  versions: VersionsProvider;
} {
  return { storage: dynamodbStorage(settings), versions: dynamodbVersions(settings) };
}
