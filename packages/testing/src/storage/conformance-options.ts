import type { Storage } from '@workflow/world';
import { SPEC_VERSION_CURRENT } from '@workflow/world';
import type { StorageCapabilities, StorageProvider } from '@worldkit/core';
import type { ConformanceOptions } from '../conformance.js';
import type { DeprecatedStorageConformanceOptions } from '../deprecated-options.js';

/** The storage instance the suite checks: the `Storage` part of a World, optionally closable. */
export type StorageUnderTest = Storage & { close?(): Promise<void> };

/**
 * Capabilities the storage suite reads from the provider's declared `capabilities`, beyond the
 * ones every storage declares (`atomicEventWrites`, `maxSpecVersion`, `durable`). Each defaults
 * to "supported": a provider opts out by declaring `false`, and the groups that need it are
 * skipped with the capability and its meaning as the reason, so a report never hides a gap.
 */
export interface StorageConformanceCapabilities {
  /**
   * The storage arbitrates concurrent writers to one entity (two `step_completed` for one step,
   * many `hook_created` claiming one token, simultaneous `run_started`). `false` only for a
   * store that is documented as single-writer.
   */
  concurrentWriters?: boolean;
  /**
   * A `run_started` racing another `run_started` on the same pending run leaves exactly one
   * `run_started` event (the losers are no-ops, storage rule 2 in docs/contract.md). Defaults to `concurrentWriters`.
   */
  atomicRunStart?: boolean;
  /**
   * Two concurrent `step_created` for the same step id create exactly one step and one event; the
   * other throws `EntityConflictError` (storage rule 2 in docs/contract.md). Defaults to `concurrentWriters`.
   */
  atomicStepCreate?: boolean;
  /**
   * The `run_created` event a resilient start writes (storage rule 5 in docs/contract.md) sorts before the `run_started`
   * that caused it, so the log reads in causal order.
   */
  orderedResilientStart?: boolean;
  /**
   * The storage honours `CreateEventParams.stateUpdatedAt` (`@workflow/world` ≥ 4.5): a create
   * carrying a snapshot older than the run's newest external `step_completed` / `hook_received`
   * throws `PreconditionFailedError` and writes nothing. Optional in the World contract, so
   * `false` is a legitimate declaration.
   */
  stateGuard?: boolean;
}

/**
 * `create` returns a storage provider (e.g. `postgresStorage({...})`). Before every test the
 * suite calls it, then the provider's `create(context)` and the instance's `start()`; it calls
 * `close()` after the test. Tests scope their data by unique ids and workflow names, so a
 * backend shared between tests works. Default `timeoutMs`: 30 000.
 */
export type StorageConformanceOptions =
  | ConformanceOptions<StorageProvider>
  | DeprecatedStorageConformanceOptions;

/** Capabilities with every default applied. */
export interface ResolvedCapabilities extends Required<StorageConformanceCapabilities> {
  maxSpecVersion: number;
}

export function resolveCapabilities(capabilities: StorageCapabilities): ResolvedCapabilities {
  // Read as a plain record: these are optional declarations a provider may add.
  const declared = capabilities as unknown as Record<string, unknown>;
  const flag = (value: unknown, fallback: boolean) =>
    typeof value === 'boolean' ? value : fallback;
  const concurrentWriters = flag(declared.concurrentWriters, true);
  return {
    concurrentWriters,
    atomicRunStart: flag(declared.atomicRunStart, concurrentWriters),
    atomicStepCreate: flag(declared.atomicStepCreate, concurrentWriters),
    orderedResilientStart: flag(declared.orderedResilientStart, true),
    stateGuard: flag(declared.stateGuard, true),
    maxSpecVersion:
      typeof declared.maxSpecVersion === 'number' ? declared.maxSpecVersion : SPEC_VERSION_CURRENT,
  };
}
