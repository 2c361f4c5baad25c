import type { Logger } from '../logging/logger.js';
import type { VersionStoreV1 } from './versions.js';

/** The contract generation of this folder: every provider built on it declares it. */
export const SPECIFICATION_VERSION_V1 = 'v1' as const;
/**
 * The literal type of `SPECIFICATION_VERSION_V1`; the composer refuses any other value with
 * `ProviderVersionError` (contract: Lifecycle).
 */
export type SpecificationVersionV1 = typeof SPECIFICATION_VERSION_V1;

/**
 * The five slots a World is composed of, in no particular order; the composer closes them queue,
 * compute, streamer, versions, storage (contract: Lifecycle).
 */
export const SLOTS = ['storage', 'queue', 'streamer', 'versions', 'compute'] as const;
/** One slot name; a provider fills exactly one (`ProviderV1.slot`). */
export type Slot = (typeof SLOTS)[number];

/** What a provider receives when the composer asks it for its instance. */
export interface ProviderContextV1 {
  /** Version id of the code running in this process. */
  deploymentId: string;
  /** The World's logger: log through it rather than `console`. */
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
  /**
   * Called once per World before any work: may connect, migrate and begin consuming. Optional;
   * without it the instance connects on first use (contract: Lifecycle).
   */
  start?(): Promise<void>;
  /**
   * Stops taking new work, waits for work in flight, then releases connections. The composer calls
   * it in its close order (contract: Lifecycle).
   */
  close?(): Promise<void>;
}

/**
 * Every provider is a plain object: the composer reads `slot`, `specificationVersion` and
 * `capabilities` before calling `create`, so drift is caught before anything connects.
 * `create` must be synchronous and free of I/O; connect lazily or in the instance's `start()`.
 */
export interface ProviderV1<S extends Slot, Instance, Capabilities extends object> {
  /**
   * Which slot this provider fills; set by `define*Provider`, read by the composer before `create`.
   */
  readonly slot: S;
  /**
   * Always `'v1'`; set by `define*Provider`. Any other value is refused with `ProviderVersionError`
   * naming `packageName`.
   */
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
  /**
   * Returns the slot instance. Synchronous and free of I/O (no connecting, no awaiting); a process
   * may compose several Worlds, so keep no state that instances cannot share (contract: Lifecycle).
   */
  create(context: ProviderContextV1): Instance;
}
