import type {
  QueueProvider,
  StorageProvider,
  StreamerProvider,
  VersionsProvider,
} from '@worldkit/core';
import {
  defineQueueProvider,
  defineStorageProvider,
  defineStreamerProvider,
  defineVersionsProvider,
} from '@worldkit/provider';
import { createPostgresQueue, type PostgresQueueSettings } from './queue/postgres-queue.js';
import { PACKAGE_NAME, type PostgresSettings, resolvePostgresSettings } from './settings.js';
import { createPostgresStorage } from './storage/postgres-storage.js';
import { createPostgresStreamer } from './streamer/postgres-streamer.js';
import { createPostgresVersionStore } from './versions/postgres-version-store.js';

const NAME = 'postgres';

/** Checks the settings when the config loads; the parts resolve them again when created. */
function checked(settings: PostgresSettings = {}): PostgresSettings {
  resolvePostgresSettings(settings);
  return settings;
}

const postgresVersionsProvider = defineVersionsProvider({
  name: NAME,
  packageName: PACKAGE_NAME,
  settings: checked,
  capabilities: { durable: true },
  create: (settings) => createPostgresVersionStore(settings),
});

const postgresStorageProvider = defineStorageProvider({
  name: NAME,
  packageName: PACKAGE_NAME,
  settings: checked,
  capabilities: { atomicEventWrites: true, maxSpecVersion: 3, durable: true },
  versions: (settings) => postgresVersionsProvider(settings),
  create: (settings) => createPostgresStorage(settings),
});

const postgresStreamerProvider = defineStreamerProvider({
  name: NAME,
  packageName: PACKAGE_NAME,
  settings: checked,
  capabilities: { liveTailing: true, durable: true },
  create: (settings, context) => createPostgresStreamer(settings, context.logger),
});

const postgresQueueProvider = defineQueueProvider({
  name: NAME,
  packageName: PACKAGE_NAME,
  // Validates the queue-only options too (concurrency and timings).
  settings: (settings: PostgresQueueSettings = {}) => ({
    settings,
    concurrency: createPostgresQueue(settings).concurrency,
  }),
  capabilities: ({ concurrency }) => ({
    maxDelaySeconds: null,
    idempotencyKeys: true,
    durable: true,
    concurrency,
  }),
  create: ({ settings }, context) => createPostgresQueue(settings, context.logger),
});

/**
 * Storage provider (runs, steps, events, hooks, waits). Settings are validated here, so a bad
 * `world.config.ts` fails when it is loaded; nothing connects until first use or `start()`.
 * Ships `postgresVersions` on the same database as its version store.
 */
export function postgresStorage(settings: PostgresSettings = {}): StorageProvider {
  return postgresStorageProvider(settings);
}

/** Version records in the same database. */
export function postgresVersions(settings: PostgresSettings = {}): VersionsProvider {
  return postgresVersionsProvider(settings);
}

/** Streams with live tailing over LISTEN/NOTIFY. */
export function postgresStreamer(settings: PostgresSettings = {}): StreamerProvider {
  return postgresStreamerProvider(settings);
}

/** A durable queue transport: delays of any length, idempotency keys, dead letters. */
export function postgresQueue(settings: PostgresQueueSettings = {}): QueueProvider {
  return postgresQueueProvider(settings);
}

/** Every part on one database: spread into `defineWorld({ ...postgres(settings) })`. */
export function postgres(settings: PostgresQueueSettings = {}): {
  storage: StorageProvider;
  queue: QueueProvider;
  streamer: StreamerProvider;
  versions: VersionsProvider;
} {
  return {
    storage: postgresStorage(settings),
    queue: postgresQueue(settings),
    streamer: postgresStreamer(settings),
    versions: postgresVersions(settings),
  };
}
