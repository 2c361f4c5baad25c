import { describe, expect, it } from 'vitest';
import type { QueueProvider } from '../contracts/queue.js';
import type { StorageProvider } from '../contracts/storage.js';
import type { StreamerProvider } from '../contracts/streamer.js';
import { ProviderCreateError, WorldkitConfigError, WorldkitError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import { createWorld } from './create-world.js';

const storage = (create: StorageProvider['create']): StorageProvider => ({
  slot: 'storage',
  specificationVersion: 'v1',
  name: 'acme',
  packageName: 'acme-worldkit',
  capabilities: { atomicEventWrites: true, maxSpecVersion: 3, durable: false },
  create,
});
const queue: QueueProvider = {
  slot: 'queue',
  specificationVersion: 'v1',
  name: 'test-queue',
  packageName: '@example/queue',
  capabilities: { maxDelaySeconds: 900, idempotencyKeys: true, durable: false },
  create: () =>
    ({ kind: 'native', queue: async () => ({}), createQueueHandler: () => {} }) as never,
};
const streamer: StreamerProvider = {
  slot: 'streamer',
  specificationVersion: 'v1',
  name: 'test-streamer',
  packageName: '@example/streamer',
  capabilities: { liveTailing: true, durable: false },
  create: () => ({}) as never,
};
const logger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

function failure(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected createWorld to throw');
}

describe('a provider whose create() throws', () => {
  it('surfaces as ProviderCreateError naming the slot, the provider and its package', () => {
    const cause = new TypeError('Invalid URL: "postgres//nope"\n    at parse');
    const error = failure(() =>
      createWorld({
        storage: storage(() => {
          throw cause;
        }),
        queue,
        streamer,
        logger,
      }),
    );
    expect(ProviderCreateError.is(error)).toBe(true);
    expect(WorldkitError.is(error)).toBe(true);
    expect((error as ProviderCreateError).code).toBe('WORLDKIT_PROVIDER_CREATE_FAILED');
    expect(error.message).toBe(
      'the storage provider `acme` (package acme-worldkit) failed to create its instance: Invalid URL: "postgres//nope" at parse',
    );
    expect(error.cause).toBe(cause);
    expect(error).toMatchObject({
      slot: 'storage',
      providerName: 'acme',
      packageName: 'acme-worldkit',
    });
  });

  it('keeps a thrown non-Error as the cause', () => {
    const error = failure(() =>
      createWorld({
        storage: storage(() => {
          throw 'boom';
        }),
        queue,
        streamer,
        logger,
      }),
    );
    expect(ProviderCreateError.is(error)).toBe(true);
    expect(error.message).toMatch(/failed to create its instance: boom$/);
    expect(error.cause).toBe('boom');
  });

  it('lets a Worldkit error (a bad setting checked in create()) through unchanged', () => {
    const configError = new WorldkitConfigError(
      [{ key: 'table', expected: 'a table name', received: '""' }],
      'acme-worldkit options',
    );
    const error = failure(() =>
      createWorld({
        storage: storage(() => {
          throw configError;
        }),
        queue,
        streamer,
        logger,
      }),
    );
    expect(error).toBe(configError);
  });
});
