import {
  type QueueProvider,
  SPECIFICATION_VERSION,
  type StorageProvider,
  type StreamerProvider,
  type VersionsProvider,
} from '@worldkit/core';
import { createPostgresQueue, type PostgresQueueSettings } from './queue/postgres-queue.js';
import { PACKAGE_NAME, type PostgresSettings, resolvePostgresSettings } from './settings.js';
import { createPostgresStorage } from './storage/postgres-storage.js';
import { createPostgresStreamer } from './streamer/postgres-streamer.js';
import { createPostgresVersionStore } from './versions/postgres-version-store.js';

const NAME = 'postgres';

/**
 * Storage provider (runs, steps, events, hooks, waits). Settings are validated here, so a bad
 * `world.config.ts` fails when it is loaded; nothing connects until first use or `start()`.
 * Ships `postgresVersions` on the same database as its version store.
 */
export function postgresStorage(settings: PostgresSettings = {}): StorageProvider {
  resolvePostgresSettings(settings);
  return {
    slot: 'storage',
    specificationVersion: SPECIFICATION_VERSION,
    name: NAME,
    packageName: PACKAGE_NAME,
    capabilities: { atomicEventWrites: true, maxSpecVersion: 3, durable: true },
    versions: postgresVersions(settings),
    create: () => createPostgresStorage(settings),
  };
}

/** Version records in the same database. */
export function postgresVersions(settings: PostgresSettings = {}): VersionsProvider {
  resolvePostgresSettings(settings);
  return {
    slot: 'versions',
    specificationVersion: SPECIFICATION_VERSION,
    name: NAME,
    packageName: PACKAGE_NAME,
    capabilities: { durable: true },
    create: () => createPostgresVersionStore(settings),
  };
}

/** Streams with live tailing over LISTEN/NOTIFY. */
export function postgresStreamer(settings: PostgresSettings = {}): StreamerProvider {
  resolvePostgresSettings(settings);
  return {
    slot: 'streamer',
    specificationVersion: SPECIFICATION_VERSION,
    name: NAME,
    packageName: PACKAGE_NAME,
    capabilities: { liveTailing: true, durable: true },
    create: (context) => createPostgresStreamer(settings, context.logger),
  };
}

/** A durable queue transport: delays of any length, idempotency keys, dead letters. */
export function postgresQueue(settings: PostgresQueueSettings = {}): QueueProvider {
  // Validates the queue-only options too (concurrency and timings).
  const { concurrency } = createPostgresQueue(settings);
  return {
    slot: 'queue',
    specificationVersion: SPECIFICATION_VERSION,
    name: NAME,
    packageName: PACKAGE_NAME,
    capabilities: { maxDelaySeconds: null, idempotencyKeys: true, durable: true, concurrency },
    create: (context) => createPostgresQueue(settings, context.logger),
  };
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
