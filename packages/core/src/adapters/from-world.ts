import type { World } from '@workflow/world';
import { SPECIFICATION_VERSION } from '../contracts/provider.js';
import type { QueueProvider } from '../contracts/queue.js';
import type { StorageProvider } from '../contracts/storage.js';
import type { StreamerProvider } from '../contracts/streamer.js';

export interface FromWorldSettings {
  /** Shown in errors and `doctor`, e.g. `world-local`. */
  name: string;
  /** The package the World comes from, e.g. `@workflow/world-local`. */
  packageName: string;
  /**
   * Called once, lazily, on first `create()`; the World is shared by every slot it fills.
   * Lets an existing World keep one part of a composition while others are swapped.
   */
  world: () => World;
  /** Whether the World's storage survives a restart (world-local with a data dir: yes). */
  durable?: boolean;
}

export interface WorldSlots {
  storage(): StorageProvider;
  queue(): QueueProvider;
  streamer(): StreamerProvider;
}

/**
 * Wraps an existing World (`@workflow/world-local`, `@workflow/world-postgres`, community
 * worlds) so each of its parts can fill a Worldkit slot. The parts delegate by closure, so
 * `this`-bound implementations keep working. Lifecycle runs once however many slots it fills.
 */
export function fromWorld(settings: FromWorldSettings): WorldSlots {
  let world: World | undefined;
  let users = 0;
  let startPromise: Promise<void> | undefined;
  const instance = () => {
    world ??= settings.world();
    return world;
  };
  const lifecycle = () => {
    users++;
    return {
      start: async () => {
        startPromise ??= instance().start?.() ?? Promise.resolve();
        await startPromise;
      },
      close: async () => {
        users--;
        if (users === 0) await instance().close?.();
      },
    };
  };
  const durable = settings.durable ?? true;
  const base = {
    specificationVersion: SPECIFICATION_VERSION,
    name: settings.name,
    packageName: settings.packageName,
  };

  return {
    storage: () => ({
      ...base,
      slot: 'storage',
      capabilities: { atomicEventWrites: true, maxSpecVersion: 3, durable },
      create: () => {
        const source = instance();
        return {
          runs: source.runs,
          steps: source.steps,
          events: source.events,
          hooks: source.hooks,
          ...lifecycle(),
        };
      },
    }),
    queue: () => ({
      ...base,
      slot: 'queue',
      capabilities: { maxDelaySeconds: null, idempotencyKeys: true, durable },
      create: () => {
        const source = instance();
        return {
          kind: 'native',
          queue: (name, payload, options) => source.queue(name, payload, options),
          createQueueHandler: (prefix, handler) => source.createQueueHandler(prefix, handler),
          ...lifecycle(),
        };
      },
    }),
    streamer: () => ({
      ...base,
      slot: 'streamer',
      capabilities: { liveTailing: true, durable },
      create: () => {
        const source = instance();
        return {
          streamFlushIntervalMs: source.streamFlushIntervalMs,
          writeToStream: (name, runId, chunk) => source.writeToStream(name, runId, chunk),
          writeToStreamMulti: source.writeToStreamMulti
            ? (name, runId, chunks) => source.writeToStreamMulti!(name, runId, chunks)
            : undefined,
          closeStream: (name, runId) => source.closeStream(name, runId),
          readFromStream: (name, startIndex) => source.readFromStream(name, startIndex),
          listStreamsByRunId: (runId) => source.listStreamsByRunId(runId),
          getStreamChunks: (name, runId, options) => source.getStreamChunks(name, runId, options),
          getStreamInfo: (name, runId) => source.getStreamInfo(name, runId),
          ...lifecycle(),
        };
      },
    }),
  };
}
