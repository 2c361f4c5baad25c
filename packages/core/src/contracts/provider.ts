import { z } from 'zod';
import type { Logger } from '../logging/logger.js';
import type { VersionStore } from './versions.js';

/** The contract generation every provider in this repository implements. */
export const SPECIFICATION_VERSION = 'v1' as const;
export const SUPPORTED_SPECIFICATION_VERSIONS = [SPECIFICATION_VERSION] as const;
export type SpecificationVersion = (typeof SUPPORTED_SPECIFICATION_VERSIONS)[number];

export const SLOTS = ['storage', 'queue', 'streamer', 'versions', 'compute'] as const;
export type Slot = (typeof SLOTS)[number];

/** What a provider receives when the composer asks it for its instance. */
export interface ProviderContext {
  /** Version id of the code running in this process (see `getDeploymentId`). */
  deploymentId: string;
  logger: Logger;
  /**
   * The World's version store, resolved on first call (not at `create()` time, so providers
   * may be created in any order). Compute uses it to find a version's address; it is the only
   * source of addresses, never message content.
   */
  versions(): VersionStore;
}

/**
 * Every provider is a plain object: the composer reads `slot`, `specificationVersion` and
 * `capabilities` before calling `create`, so drift is caught before anything connects.
 * `create` must be synchronous and free of I/O; connect lazily or in the instance's `start()`.
 */
export interface ProviderBase<S extends Slot, Instance, Capabilities> {
  readonly slot: S;
  readonly specificationVersion: string;
  /** Short name shown in errors and `doctor`, e.g. `local`. */
  readonly name: string;
  /** npm package that ships the provider; errors tell users to upgrade it. */
  readonly packageName: string;
  readonly capabilities: Capabilities;
  create(context: ProviderContext): Instance;
}

/** Lifecycle hooks any slot instance may have. */
export interface Lifecycle {
  start?(): Promise<void>;
  close?(): Promise<void>;
}

/** The loose shape the config schema accepts before the composer checks details. */
export const providerShapeSchema = z.looseObject({
  slot: z.enum(SLOTS),
  specificationVersion: z.string(),
  name: z.string().min(1),
  packageName: z.string().min(1),
  capabilities: z.record(z.string(), z.unknown()),
  create: z.custom<(context: ProviderContext) => unknown>((value) => typeof value === 'function', {
    message: 'expected a create(context) function',
  }),
});
