import type { World } from '@workflow/world';
import type {
  ComposedWorld,
  QueueProvider,
  StorageProvider,
  StreamerProvider,
  VersionStore,
  VersionsProvider,
} from '@worldkit/core';
import type { KnownGaps } from './conformance.js';
import type {
  StorageConformanceCapabilities,
  StorageUnderTest,
} from './storage/conformance-options.js';
import type { StreamerUnderTest } from './streamer/conformance-options.js';

/*
 * The option names of @worldkit/testing 0.1, accepted for one more release. Each suite turns them
 * into the one shape ({ name, create, knownGaps, timeoutMs }) before it registers a test. The
 * 0.1 `capabilities` switches of the queue and whole-World suites are ignored: the queue suite
 * reads what the provider declares, and the whole-World suite reads the composed storage's
 * declarations.
 */

interface DeprecatedCommon {
  name: string;
  knownGaps?: KnownGaps;
  timeoutMs?: number;
}

/** @deprecated Use `create`, returning the storage provider; removed in the next release. */
export interface DeprecatedStorageConformanceOptions extends DeprecatedCommon {
  createStorage: () => Promise<StorageUnderTest> | StorageUnderTest;
  capabilities?: StorageConformanceCapabilities & { maxSpecVersion?: number };
}

/** @deprecated Use `create`, returning the streamer provider; removed in the next release. */
export interface DeprecatedStreamerConformanceOptions extends DeprecatedCommon {
  createStreamer: () => Promise<StreamerUnderTest> | StreamerUnderTest;
  capabilities?: { liveTailing?: boolean };
}

/** @deprecated Use `create`, returning the versions provider; removed in the next release. */
export interface DeprecatedVersionStoreConformanceOptions extends DeprecatedCommon {
  createStore: () => Promise<VersionStore> | VersionStore;
  upgradeLog?: true | string;
}

/** @deprecated Use `create`; capabilities are read from the provider. Removed in the next release. */
export interface DeprecatedQueueConformanceOptions extends DeprecatedCommon {
  createProvider: () => QueueProvider | Promise<QueueProvider>;
  /** Ignored: the suite reads the provider's declared capabilities. */
  capabilities?: Record<string, unknown>;
}

/** @deprecated Use `create` and `timeoutMs`; removed in the next release. */
export interface DeprecatedWorldConformanceOptions extends DeprecatedCommon {
  createWorld: (context: { baseUrl: string }) => ComposedWorld | World;
  runTimeoutMs?: number;
  concurrentRuns?: number;
  /** Ignored: the suite reads the composed storage's declared `orderedResilientStart`. */
  orderedResilientStart?: boolean;
  /** Ignored: mark a known failure with `knownGaps`. */
  capabilities?: Record<string, unknown>;
}

/** An instance behind a stand-in provider that declares `capabilities`. */
async function standIn<P>(
  slot: string,
  instance: unknown | Promise<unknown>,
  capabilities: Record<string, unknown>,
): Promise<P> {
  const created = await instance;
  return {
    slot,
    specificationVersion: 'v1',
    name: 'deprecated-options',
    packageName: '@worldkit/testing',
    capabilities,
    create: () => created,
  } as unknown as P;
}

export function storageFromDeprecated(
  options: DeprecatedStorageConformanceOptions,
): () => Promise<StorageProvider> {
  return () =>
    standIn<StorageProvider>('storage', options.createStorage(), { ...options.capabilities });
}

export function streamerFromDeprecated(
  options: DeprecatedStreamerConformanceOptions,
): () => Promise<StreamerProvider> {
  return () =>
    standIn<StreamerProvider>('streamer', options.createStreamer(), {
      liveTailing: options.capabilities?.liveTailing ?? true,
    });
}

export function versionsFromDeprecated(
  options: DeprecatedVersionStoreConformanceOptions,
): () => Promise<VersionsProvider> {
  return async () => {
    // 0.1 ran the upgrade-log group only when told to; the suite now looks at the store.
    return standIn<VersionsProvider>('versions', options.createStore(), { durable: false });
  };
}
