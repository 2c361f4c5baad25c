import type { Logger } from '../logging/logger.js';
import type { VersionStoreV1 } from './versions.js';

/** The contract generation of this folder: every provider built on it declares it. */
export const SPECIFICATION_VERSION_V1 = 'v1' as const;
export type SpecificationVersionV1 = typeof SPECIFICATION_VERSION_V1;

export const SLOTS = ['storage', 'queue', 'streamer', 'versions', 'compute'] as const;
export type Slot = (typeof SLOTS)[number];

/** What a provider receives when the composer asks it for its instance. */
export interface ProviderContextV1 {
  /** Version id of the code running in this process. */
  deploymentId: string;
  logger: Logger;
  /**
   * The World's version store, resolved on first call (not at `create()` time, so providers
   * may be created in any order). Compute uses it to find a version's address; it is the only
   * source of addresses, never message content.
   */
  versions(): VersionStoreV1;
}

/** Lifecycle hooks any slot instance may have. */
export interface LifecycleV1 {
  start?(): Promise<void>;
  close?(): Promise<void>;
}

/**
 * Every provider is a plain object: the composer reads `slot`, `specificationVersion` and
 * `capabilities` before calling `create`, so drift is caught before anything connects.
 * `create` must be synchronous and free of I/O; connect lazily or in the instance's `start()`.
 */
export interface ProviderV1<S extends Slot, Instance, Capabilities extends object> {
  readonly slot: S;
  readonly specificationVersion: SpecificationVersionV1;
  /** Short name shown in errors and `doctor`, e.g. `local`. */
  readonly name: string;
  /** npm package that ships the provider; errors tell users to upgrade it. */
  readonly packageName: string;
  /**
   * What the provider can do, read before `create`. Each slot names its capabilities; a provider
   * may declare more (they show up in `doctor`) by widening the type, e.g. with `define*Provider`.
   */
  readonly capabilities: Capabilities;
  create(context: ProviderContextV1): Instance;
}
