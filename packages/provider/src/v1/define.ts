import type { ComputeCapabilitiesV1, ComputeInstanceV1 } from './compute.js';
import {
  type ProviderContextV1,
  type ProviderV1,
  type Slot,
  SPECIFICATION_VERSION_V1,
} from './provider.js';
import type { QueueCapabilitiesV1, QueueInstanceV1 } from './queue.js';
import type { StorageCapabilitiesV1, StorageInstanceV1, StorageRecordsV1 } from './storage.js';
import type { StreamerCapabilitiesV1, StreamerInstanceV1 } from './streamer.js';
import type { VersionStoreV1, VersionsCapabilitiesV1, VersionsProviderV1 } from './versions.js';

/**
 * How a provider package describes one provider: `define*Provider` turns it into the factory
 * users call in `world.config.ts` (e.g. `bullmqQueue({ url })`).
 */
export interface ProviderDefinitionV1<
  Args extends unknown[],
  Resolved,
  Capabilities,
  Instance,
  Extra extends object = object,
> {
  /** Short name shown in errors and `doctor`, e.g. `local`. */
  name: string;
  /** npm package that ships the provider; errors tell users to upgrade it. */
  packageName: string;
  /**
   * Validates the factory's arguments once, when the config loads (`resolveSetting` throws
   * errors naming the option and its environment variable). What it returns is passed to
   * `capabilities` and every `create`. Without it, the factory takes no arguments.
   */
  settings?: (...args: Args) => Resolved;
  /** Fixed, or computed from the resolved settings. */
  capabilities: Capabilities | ((settings: Resolved) => Capabilities);
  /**
   * Builds the instance. Synchronous and free of I/O: connect lazily or in `start()`. The
   * context carries the World's `logger`.
   */
  create(settings: Resolved, context: ProviderContextV1): Instance;
  /** More read-only properties for the provider object (e.g. where it keeps data, for tools). */
  properties?: (settings: Resolved) => Extra;
}

export type ProviderFactoryV1<Args extends unknown[], Provider> = (...args: Args) => Provider;

function define<S extends Slot>(slot: S) {
  return <
    Args extends unknown[],
    Resolved,
    Capabilities extends object,
    Instance,
    Extra extends object,
  >(
    definition: ProviderDefinitionV1<Args, Resolved, Capabilities, Instance, Extra>,
  ): ProviderFactoryV1<Args, ProviderV1<S, Instance, Capabilities> & Extra> =>
    (...args: Args) => {
      const settings = (definition.settings ? definition.settings(...args) : undefined) as Resolved;
      const capabilities =
        typeof definition.capabilities === 'function'
          ? (definition.capabilities as (settings: Resolved) => Capabilities)(settings)
          : definition.capabilities;
      return {
        ...(definition.properties?.(settings) as Extra),
        slot,
        specificationVersion: SPECIFICATION_VERSION_V1,
        name: definition.name,
        packageName: definition.packageName,
        capabilities,
        create: (context: ProviderContextV1) => definition.create(settings, context),
      };
    };
}

const defineStorage = define('storage');
const defineQueue = define('queue');
const defineStreamer = define('streamer');
const defineVersions = define('versions');
const defineCompute = define('compute');

/** A storage provider factory; `versions` is the version store the storage ships, if any. */
export function defineStorageProvider<
  Args extends unknown[],
  Resolved,
  Capabilities extends StorageCapabilitiesV1,
  Instance extends StorageInstanceV1<StorageRecordsV1>,
  Extra extends object = object,
>(
  definition: ProviderDefinitionV1<Args, Resolved, Capabilities, Instance, Extra> & {
    versions?: (settings: Resolved) => VersionsProviderV1 | undefined;
  },
): ProviderFactoryV1<
  Args,
  ProviderV1<'storage', Instance, Capabilities> & Extra & { readonly versions?: VersionsProviderV1 }
> {
  const { versions } = definition;
  const properties = (settings: Resolved) => ({
    ...(definition.properties?.(settings) as Extra),
    ...(versions ? { versions: versions(settings) } : {}),
  });
  return defineStorage({ ...definition, properties });
}

export function defineQueueProvider<
  Args extends unknown[],
  Resolved,
  Capabilities extends QueueCapabilitiesV1,
  Instance extends QueueInstanceV1,
  Extra extends object = object,
>(
  definition: ProviderDefinitionV1<Args, Resolved, Capabilities, Instance, Extra>,
): ProviderFactoryV1<Args, ProviderV1<'queue', Instance, Capabilities> & Extra> {
  return defineQueue(definition);
}

export function defineStreamerProvider<
  Args extends unknown[],
  Resolved,
  Capabilities extends StreamerCapabilitiesV1,
  Instance extends StreamerInstanceV1,
  Extra extends object = object,
>(
  definition: ProviderDefinitionV1<Args, Resolved, Capabilities, Instance, Extra>,
): ProviderFactoryV1<Args, ProviderV1<'streamer', Instance, Capabilities> & Extra> {
  return defineStreamer(definition);
}

export function defineVersionsProvider<
  Args extends unknown[],
  Resolved,
  Capabilities extends VersionsCapabilitiesV1,
  Instance extends VersionStoreV1,
  Extra extends object = object,
>(
  definition: ProviderDefinitionV1<Args, Resolved, Capabilities, Instance, Extra>,
): ProviderFactoryV1<Args, ProviderV1<'versions', Instance, Capabilities> & Extra> {
  return defineVersions(definition);
}

export function defineComputeProvider<
  Args extends unknown[],
  Resolved,
  Capabilities extends ComputeCapabilitiesV1,
  // biome-ignore lint/suspicious/noExplicitAny: any record map; the composer checks the runtime's
  Instance extends ComputeInstanceV1<any>,
  Extra extends object = object,
>(
  definition: ProviderDefinitionV1<Args, Resolved, Capabilities, Instance, Extra>,
): ProviderFactoryV1<Args, ProviderV1<'compute', Instance, Capabilities> & Extra> {
  return defineCompute(definition);
}
