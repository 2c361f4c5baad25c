import { describe, expect, it, vi } from 'vitest';
import type { Logger } from '../logging/logger.js';
import {
  defineComputeProvider,
  defineQueueProvider,
  defineStorageProvider,
  defineStreamerProvider,
  defineVersionsProvider,
} from './define.js';
import type { ProviderContextV1 } from './provider.js';
import type { QueueTransportV1 } from './queue.js';
import type { VersionStoreV1 } from './versions.js';

const logger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const context: ProviderContextV1 = {
  deploymentId: 'dpl_test',
  logger,
  versions: () => {
    throw new Error('not used');
  },
};

function transport(settings: { url: string; logger: Logger }): QueueTransportV1 & {
  settings: typeof settings;
} {
  return {
    kind: 'transport',
    settings,
    send: async () => ({ accepted: true }),
    consume: async () => {},
  };
}

describe('defineQueueProvider', () => {
  it('fills slot and specificationVersion, resolves settings once and passes the logger', () => {
    const settings = vi.fn((options: { url?: string; concurrency?: number } = {}) => ({
      url: options.url ?? 'redis://localhost',
      concurrency: options.concurrency ?? 10,
    }));
    const acmeQueue = defineQueueProvider({
      name: 'acme',
      packageName: '@acme/worldkit-queue',
      settings,
      capabilities: (resolved) => ({
        maxDelaySeconds: null,
        idempotencyKeys: true,
        durable: true,
        concurrency: resolved.concurrency,
      }),
      create: (resolved, { logger }) => transport({ url: resolved.url, logger }),
    });

    const provider = acmeQueue({ concurrency: 3 });
    expect(settings).toHaveBeenCalledTimes(1);
    expect(provider).toMatchObject({
      slot: 'queue',
      specificationVersion: 'v1',
      name: 'acme',
      packageName: '@acme/worldkit-queue',
      capabilities: { maxDelaySeconds: null, idempotencyKeys: true, durable: true, concurrency: 3 },
    });
    const first = provider.create(context);
    const second = provider.create(context);
    expect(settings).toHaveBeenCalledTimes(1);
    expect(first.settings).toEqual({ url: 'redis://localhost', logger });
    expect(second).not.toBe(first);
    // The factory keeps the settings' optionality: no argument is fine.
    expect(acmeQueue().capabilities.concurrency).toBe(10);
  });

  it('surfaces a settings error when the factory is called, before anything is created', () => {
    const failing = defineQueueProvider({
      name: 'acme',
      packageName: '@acme/worldkit-queue',
      settings: (_options: { url: string }) => {
        throw new Error('bad url');
      },
      capabilities: { maxDelaySeconds: 900, idempotencyKeys: false, durable: true },
      create: () => transport({ url: '', logger }),
    });
    expect(() => failing({ url: 'x' })).toThrow('bad url');
  });
});

describe('the other define*Provider helpers', () => {
  const store = {} as VersionStoreV1;

  it('fill their own slot and add the extra properties', () => {
    const versions = defineVersionsProvider({
      name: 'acme',
      packageName: '@acme/worldkit',
      capabilities: { durable: true },
      create: () => store,
    })();
    const storage = defineStorageProvider({
      name: 'acme',
      packageName: '@acme/worldkit',
      settings: (options: { dataDir: string }) => options,
      capabilities: { atomicEventWrites: true, maxSpecVersion: 3, durable: true },
      versions: () => versions,
      properties: (resolved) => ({ dataDir: resolved.dataDir }),
      create: () => ({
        runs: {
          get: async () => ({}),
          list: async () => ({ data: [], cursor: null, hasMore: false }),
        },
        steps: {
          get: async () => ({}),
          list: async () => ({ data: [], cursor: null, hasMore: false }),
        },
        events: {
          create: async () => ({}),
          get: async () => ({}),
          list: async () => ({ data: [], cursor: null, hasMore: false }),
          listByCorrelationId: async () => ({ data: [], cursor: null, hasMore: false }),
        },
        hooks: {
          get: async () => ({}),
          getByToken: async () => ({}),
          list: async () => ({ data: [], cursor: null, hasMore: false }),
        },
      }),
    })({ dataDir: '/tmp/acme' });
    const streamer = defineStreamerProvider({
      name: 'acme',
      packageName: '@acme/worldkit',
      capabilities: { liveTailing: false, durable: true },
      create: () => ({
        writeToStream: async () => {},
        closeStream: async () => {},
        readFromStream: async () => new ReadableStream<Uint8Array>(),
        listStreamsByRunId: async () => [],
        getStreamChunks: async () => ({ data: [], cursor: null, hasMore: false, done: true }),
        getStreamInfo: async () => ({ tailIndex: -1, done: true }),
      }),
    })();
    const compute = defineComputeProvider({
      name: 'acme',
      packageName: '@acme/worldkit',
      capabilities: { multiVersion: false },
      create: () => ({
        register: () => {},
        deliver: async () => ({ type: 'done' as const }),
      }),
    })();

    expect(storage).toMatchObject({
      slot: 'storage',
      specificationVersion: 'v1',
      dataDir: '/tmp/acme',
      versions: { slot: 'versions', specificationVersion: 'v1' },
    });
    expect(streamer.slot).toBe('streamer');
    expect(compute.slot).toBe('compute');
    expect(versions.create(context)).toBe(store);
  });
});
