import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SPEC_VERSION_CURRENT } from '@workflow/world';
import { createLocalWorld } from '@workflow/world-local';
import { SPECIFICATION_VERSION, type StorageProvider } from '@worldkit/core';
import { describeStorageConformance } from './index.js';

/**
 * Validates the suite itself against the reference storage, `@workflow/world-local@4.4.1`.
 * Each test gets its own data directory, so no state leaks between tests.
 *
 * world-local breaks three storage rules of docs/contract.md and predates one optional feature; the provider
 * below declares those capabilities false, so their groups are skipped (not weakened), each test
 * with the reason:
 * - atomicRunStart: concurrent `run_started` on one pending run each read "pending" and each
 *   append a `run_started` event (5 racers → 5 events).
 * - atomicStepCreate: `step_created` checks for an existing step file, then writes it; racers
 *   all pass the check, so each gets a step_created event (4 racers → 4 events).
 * - orderedResilientStart: a resilient start mints the run_started event id before the
 *   run_created id, so the log lists run_started first.
 * - stateGuard: 4.4.1 ignores `CreateEventParams.stateUpdatedAt` (added in `@workflow/world` 4.5),
 *   so a stale snapshot is accepted instead of refused with PreconditionFailedError.
 */
const declared = {
  atomicEventWrites: true,
  maxSpecVersion: SPEC_VERSION_CURRENT,
  durable: true,
  atomicRunStart: false,
  atomicStepCreate: false,
  orderedResilientStart: false,
  stateGuard: false,
};

/** world-local's storage as a provider that declares what it lacks; a data directory per instance. */
function worldLocalStorage(): StorageProvider {
  return {
    slot: 'storage',
    specificationVersion: SPECIFICATION_VERSION,
    name: 'world-local',
    packageName: '@workflow/world-local',
    capabilities: declared,
    create: () => {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'worldkit-storage-conformance-'));
      const world = createLocalWorld({ dataDir, recoverActiveRuns: false });
      return {
        runs: world.runs,
        steps: world.steps,
        events: world.events,
        hooks: world.hooks,
        async close() {
          await world.close?.();
          await rm(dataDir, { recursive: true, force: true });
        },
      };
    },
  };
}

describeStorageConformance({
  name: '@workflow/world-local (reference)',
  create: worldLocalStorage,
});
