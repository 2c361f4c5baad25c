import type { StorageProvider, VersionsProvider } from '@worldkit/core';
import { defineStorageProvider, defineVersionsProvider } from '@worldkit/provider';
import { type DynamoDbSettings, PACKAGE_NAME, resolveDynamoDbSettings } from './settings.js';
import { createDynamoDbStorage } from './storage/dynamodb-storage.js';
import { createDynamoDbVersionStore } from './versions/dynamodb-version-store.js';

const NAME = 'dynamodb';

/** Checks the settings when the config loads; the parts resolve them again when created. */
function checked(settings: DynamoDbSettings = {}): DynamoDbSettings {
  resolveDynamoDbSettings(settings);
  return settings;
}

const dynamodbVersionsProvider = defineVersionsProvider({
  name: NAME,
  packageName: PACKAGE_NAME,
  settings: checked,
  capabilities: { durable: true },
  create: (settings) => createDynamoDbVersionStore(settings),
});

const dynamodbStorageProvider = defineStorageProvider({
  name: NAME,
  packageName: PACKAGE_NAME,
  settings: checked,
  capabilities: { atomicEventWrites: true, maxSpecVersion: 3, durable: true },
  versions: (settings) => dynamodbVersionsProvider(settings),
  create: (settings) => createDynamoDbStorage(settings),
});

/**
 * Storage provider (runs, steps, events, hooks, waits) on one DynamoDB table. Settings are
 * validated here, so a bad `world.config.ts` fails when it is loaded; the SDK client is created
 * on first use. Ships `dynamodbVersions` on the same table as its version store.
 */
export function dynamodbStorage(settings: DynamoDbSettings = {}): StorageProvider {
  return dynamodbStorageProvider(settings);
}

/** Version records and the upgrade log in the same table. */
export function dynamodbVersions(settings: DynamoDbSettings = {}): VersionsProvider {
  return dynamodbVersionsProvider(settings);
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
