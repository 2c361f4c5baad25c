import { SPEC_VERSION_CURRENT } from '@workflow/world';
import {
  SPECIFICATION_VERSION,
  type StorageInstance,
  type StorageProvider,
  type StreamerProvider,
} from '@worldkit/core';

/**
 * Storage and streamer slots that hold nothing. The queue suite composes a real World
 * (so the queue is wired exactly as `createWorld` wires it) but exercises only the queue
 * and compute; any other call is a bug in the suite and says so.
 */
function unavailable(part: string): never {
  throw new Error(`the queue conformance suite composes no ${part}`);
}

function refusingEverything<T extends object>(part: string): T {
  return new Proxy({} as T, {
    get: (_target, property) =>
      typeof property === 'string' ? () => unavailable(`${part}.${property}`) : undefined,
  });
}

export function inertStorageProvider(): StorageProvider {
  return {
    slot: 'storage',
    specificationVersion: SPECIFICATION_VERSION,
    name: 'inert (queue suite)',
    packageName: '@worldkit/testing',
    capabilities: { atomicEventWrites: true, maxSpecVersion: SPEC_VERSION_CURRENT, durable: false },
    create: () => {
      const storage = {
        // A World whose queue is not durable re-enqueues active runs on start: there are none.
        runs: {
          list: async () => ({ data: [], cursor: null, hasMore: false }),
          get: () => unavailable('storage.runs.get'),
        },
        steps: refusingEverything('storage.steps'),
        events: refusingEverything('storage.events'),
        hooks: refusingEverything('storage.hooks'),
      };
      return storage as unknown as StorageInstance;
    },
  };
}

export function inertStreamerProvider(): StreamerProvider {
  return {
    slot: 'streamer',
    specificationVersion: SPECIFICATION_VERSION,
    name: 'inert (queue suite)',
    packageName: '@worldkit/testing',
    capabilities: { liveTailing: false, durable: false },
    create: () => ({
      writeToStream: async () => unavailable('streamer'),
      closeStream: async () => unavailable('streamer'),
      readFromStream: async () => unavailable('streamer'),
      listStreamsByRunId: async () => unavailable('streamer'),
      getStreamChunks: async () => unavailable('streamer'),
      getStreamInfo: async () => unavailable('streamer'),
    }),
  };
}
