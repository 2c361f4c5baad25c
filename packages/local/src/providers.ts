import { SPEC_VERSION_CURRENT } from '@workflow/world';
import type {
  Lifecycle,
  QueueProvider,
  QueueReceiver,
  QueueTransport,
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
import { acquireShared } from './process-registry.js';
import { createLocalQueue, DEFAULT_QUEUE_CONCURRENCY } from './queue/local-queue.js';
import {
  type LocalQueueProviderSettings,
  type LocalSettings,
  PACKAGE_NAME,
  type ResolvedLocation,
  resolveLocation,
  resolveQueueConcurrency,
} from './settings.js';
import { createLocalStorage } from './storage/local-storage.js';
import { createLocalStreamer } from './streamer/local-streamer.js';
import { createLocalVersionStore } from './versions/local-versions.js';

/**
 * The embedded parts. Each factory validates its settings right away (a bad option throws
 * `WorldkitConfigError` when `world.config.ts` loads) and returns a plain provider object whose
 * `create()` is synchronous and does no I/O.
 *
 * Sharing: the runtime composes the World several times per process and every copy must see the
 * same data. On disk, parts are shared per data directory by the `createLocal*` functions. In
 * memory, state belongs to the provider object: every `create()` of one provider shares it, and
 * every call of a factory (e.g. each `local({ memory: true })`) starts from empty state.
 */

/** The local storage provider also says where it keeps data (`null` in memory), for tools and demos. */
export type LocalStorageProvider = StorageProvider & { readonly dataDir: string | null };

export function localStorage(settings?: LocalSettings): LocalStorageProvider {
  const location = resolveLocation(settings);
  return storageProvider(location, versionsProvider(location));
}

const localQueueProvider = defineQueueProvider({
  name: 'local',
  packageName: PACKAGE_NAME,
  settings: (settings?: LocalQueueProviderSettings) => ({
    concurrency: resolveQueueConcurrency(settings),
    location: resolveLocation({ dataDir: settings?.dataDir, memory: settings?.memory }),
    memoryKey: newMemoryKey('queue'),
  }),
  // Delays are one in-process timer per due time, so any length works natively.
  capabilities: ({ location, concurrency }) => ({
    maxDelaySeconds: null,
    idempotencyKeys: true,
    durable: location.kind === 'disk',
    concurrency: concurrency ?? DEFAULT_QUEUE_CONCURRENCY,
  }),
  create: ({ location, concurrency, memoryKey }, { logger }) =>
    location.kind === 'disk'
      ? createLocalQueue({ dataDir: location.dataDir, concurrency, logger })
      : shareMemoryQueue(memoryKey, () => createLocalQueue({ concurrency, logger })),
});

export function localQueue(settings?: LocalQueueProviderSettings): QueueProvider {
  return localQueueProvider(settings);
}

const localStreamerProvider = defineStreamerProvider({
  name: 'local',
  packageName: PACKAGE_NAME,
  settings: (settings?: LocalSettings) => ({
    location: resolveLocation(settings),
    memoryKey: newMemoryKey('streamer'),
  }),
  capabilities: ({ location }) => ({ liveTailing: true, durable: location.kind === 'disk' }),
  create: ({ location, memoryKey }, { logger }) =>
    location.kind === 'disk'
      ? createLocalStreamer({ dataDir: location.dataDir, logger })
      : shareMemoryPart(memoryKey, () => createLocalStreamer({ logger })),
});

export function localStreamer(settings?: LocalSettings): StreamerProvider {
  return localStreamerProvider(settings);
}

export function localVersions(settings?: LocalSettings): VersionsProvider {
  return versionsProvider(resolveLocation(settings));
}

/**
 * All four parts over one data directory (or one shared in-memory state). The storage provider
 * carries the same version store, so a config that leaves out `versions` still gets it.
 */
export function local(settings?: LocalSettings): {
  storage: LocalStorageProvider;
  queue: QueueProvider;
  streamer: StreamerProvider;
  versions: VersionsProvider;
} {
  const location = resolveLocation(settings);
  const locationSettings: LocalSettings =
    location.kind === 'disk' ? { dataDir: location.dataDir } : { memory: true };
  const versions = versionsProvider(location);
  return {
    storage: storageProvider(location, versions),
    queue: localQueue(locationSettings),
    streamer: localStreamer(locationSettings),
    versions,
  };
}

const localStorageProvider = defineStorageProvider({
  name: 'local',
  packageName: PACKAGE_NAME,
  settings: (location: ResolvedLocation, versions: VersionsProvider) => ({
    location,
    versions,
    memoryKey: newMemoryKey('storage'),
  }),
  capabilities: ({ location }) => ({
    atomicEventWrites: true,
    maxSpecVersion: SPEC_VERSION_CURRENT,
    durable: location.kind === 'disk',
  }),
  versions: ({ versions }) => versions,
  properties: ({ location }) => ({
    dataDir: location.kind === 'disk' ? location.dataDir : null,
  }),
  create: ({ location, memoryKey }, { logger }) =>
    location.kind === 'disk'
      ? createLocalStorage({ dataDir: location.dataDir, logger })
      : shareMemoryPart(memoryKey, () => createLocalStorage({ logger })),
});

function storageProvider(
  location: ResolvedLocation,
  versions: VersionsProvider,
): LocalStorageProvider {
  return localStorageProvider(location, versions);
}

const localVersionsProvider = defineVersionsProvider({
  name: 'local',
  packageName: PACKAGE_NAME,
  settings: (location: ResolvedLocation) => ({ location, memoryKey: newMemoryKey('versions') }),
  capabilities: ({ location }) => ({ durable: location.kind === 'disk' }),
  create: ({ location, memoryKey }, { logger }) =>
    location.kind === 'disk'
      ? createLocalVersionStore({ dataDir: location.dataDir, logger })
      : shareMemoryPart(memoryKey, () => createLocalVersionStore()),
});

function versionsProvider(location: ResolvedLocation): VersionsProvider {
  return localVersionsProvider(location);
}

let memoryProviders = 0;
/** A registry key owned by one provider object: its in-memory state lives under it. */
function newMemoryKey(part: string): string {
  memoryProviders += 1;
  return `local-memory:${part}:${process.pid}:${memoryProviders}:${Math.random().toString(36).slice(2)}`;
}

/**
 * Hands out the in-memory instance stored under `key`, creating it on first use. Each caller's
 * `close()` releases its share; the instance closes with the last one.
 */
function shareMemoryPart<T extends Lifecycle & object>(key: string, create: () => T): T {
  const shared = acquireShared(key, () => {
    const instance = create();
    return { value: instance, dispose: async () => instance.close?.() };
  });
  let released = false;
  const close = async () => {
    if (released) return;
    released = true;
    await shared.release();
  };
  // A proxy rather than a copy: the instance's methods and nested namespaces (storage.runs...)
  // stay exactly as the part defines them; only `close` is this caller's own.
  return new Proxy(shared.value, {
    get(target, property) {
      if (property === 'close') return close;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * An in-memory queue shared by every `create()` of one provider. A transport takes one
 * `consume()`, but each composed World calls it, so the shared transport consumes once and
 * hands each message to the newest World still open (any of them can run any registered
 * handler, the registry being process-wide).
 */
function shareMemoryQueue(key: string, create: () => QueueTransport): QueueTransport {
  const shared = acquireShared(key, () => {
    const transport = create();
    const hub = {
      transport,
      receivers: [] as QueueReceiver[],
      consuming: undefined as Promise<void> | undefined,
    };
    return { value: hub, dispose: async () => transport.close?.() };
  });
  const hub = shared.value;
  let own: QueueReceiver | undefined;
  let released = false;
  return {
    kind: 'transport',
    start: async () => hub.transport.start?.(),
    send: (envelope, options) => hub.transport.send(envelope, options),
    consume: async (receiver) => {
      if (own) throw new Error('consume() was already called on this local queue');
      own = receiver;
      hub.receivers.push(receiver);
      hub.consuming ??= hub.transport.consume(async (raw) => {
        const newest = hub.receivers.at(-1);
        if (!newest) throw new Error('no open World is consuming this in-memory queue');
        return newest(raw);
      });
      await hub.consuming;
    },
    deadLetters: async () => (await hub.transport.deadLetters?.()) ?? [],
    close: async () => {
      if (released) return;
      released = true;
      if (own) hub.receivers.splice(hub.receivers.indexOf(own), 1);
      await shared.release();
    },
  };
}
