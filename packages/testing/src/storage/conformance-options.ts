import type { Storage } from '@workflow/world';
import { SPEC_VERSION_CURRENT } from '@workflow/world';

/** The storage a provider hands the suite: the `Storage` part of a World, optionally closable. */
export type StorageUnderTest = Storage & { close?(): Promise<void> };

/**
 * Switches for behaviour a storage may legitimately lack. Each switch turns whole groups off, and
 * the skipped group's name states which switch did it and why, so a report never hides a gap.
 * Everything defaults to "supported": a provider opts out explicitly.
 */
export interface StorageConformanceCapabilities {
  /**
   * The storage arbitrates concurrent writers to one entity (two `step_completed` for one step,
   * many `hook_created` claiming one token, simultaneous `run_started`). Set `false` only for a
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
   * throws `PreconditionFailedError` and writes nothing. Optional in the World contract (a storage
   * that ignores it only disables the guard), so `false` is a legitimate choice.
   */
  stateGuard?: boolean;
  /**
   * Highest spec version of runs the storage accepts. Runs from a newer spec must throw
   * `RunNotSupportedError` (storage rule 6 in docs/contract.md). Defaults to the current `@workflow/world` spec version.
   */
  maxSpecVersion?: number;
}

export interface StorageConformanceOptions {
  /** Shown in the suite's name, e.g. `local` or `dynamodb`. */
  name: string;
  /**
   * Returns a fresh, empty storage. Called before every test; the suite calls `close()` after it.
   * Tests scope their data by unique ids and workflow names, so a store shared between tests
   * also works, as long as it starts empty of those ids.
   */
  createStorage: () => Promise<StorageUnderTest> | StorageUnderTest;
  capabilities?: StorageConformanceCapabilities;
  /** Per-test timeout in milliseconds for slow remote backends (default 30 000). */
  timeoutMs?: number;
}

/** Capabilities with every default applied. */
export type ResolvedCapabilities = Required<StorageConformanceCapabilities>;

export function resolveCapabilities(
  capabilities: StorageConformanceCapabilities = {},
): ResolvedCapabilities {
  const concurrentWriters = capabilities.concurrentWriters ?? true;
  return {
    concurrentWriters,
    atomicRunStart: capabilities.atomicRunStart ?? concurrentWriters,
    atomicStepCreate: capabilities.atomicStepCreate ?? concurrentWriters,
    orderedResilientStart: capabilities.orderedResilientStart ?? true,
    stateGuard: capabilities.stateGuard ?? true,
    maxSpecVersion: capabilities.maxSpecVersion ?? SPEC_VERSION_CURRENT,
  };
}
