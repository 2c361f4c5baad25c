import { describe } from 'vitest';
import { registerGroups } from '../conformance.js';
import { storageFromDeprecated } from '../deprecated-options.js';
import type { StorageConformanceOptions } from './conformance-options.js';
import { describeConcurrentWriters } from './groups/concurrent-writers.js';
import { describeEntityLists } from './groups/entity-lists.js';
import { describeEventReads } from './groups/event-reads.js';
import { describeHookLifecycle } from './groups/hook-lifecycle.js';
import { describePayloadRoundTrip } from './groups/payload-round-trip.js';
import { describeResilientStartAndSpec } from './groups/resilient-start-and-spec.js';
import { describeResolveDataNone } from './groups/resolve-data.js';
import { describeRunEndingsRelease } from './groups/run-endings-release.js';
import { describeRunLifecycle } from './groups/run-lifecycle.js';
import { describeStateGuard } from './groups/state-guard.js';
import { describeStepLifecycle } from './groups/step-lifecycle.js';
import { describeTagLookalikes } from './groups/tag-lookalikes.js';
import { describeWaitLifecycle } from './groups/wait-lifecycle.js';
import { useFreshStorage } from './storage-fixture.js';

/**
 * Registers the storage conformance suite (docs/contract.md: every event type and invariant) for one
 * storage. Call it at the top level of a vitest file:
 *
 * ```ts
 * import { describeStorageConformance } from '@worldkit/testing';
 * describeStorageConformance({ name: 'my-storage', create: () => myStorage({ ... }) });
 * ```
 *
 * Each test gets a fresh storage from the provider `create` returns and closes it afterwards;
 * the groups a storage may lack follow the provider's declared `capabilities`. Everything goes
 * through the public `Storage` interface only, as the Workflow runtime uses it.
 */
export function describeStorageConformance(options: StorageConformanceOptions): void {
  describe(`storage conformance: ${options.name}`, { timeout: options.timeoutMs ?? 30_000 }, () => {
    const { storage, capabilities } = useFreshStorage(
      'create' in options ? options.create : storageFromDeprecated(options),
    );

    registerGroups(options.knownGaps, () => {
      describeRunLifecycle(storage);
      describeRunEndingsRelease(storage);
      describeResilientStartAndSpec(storage, capabilities);
      describeStepLifecycle(storage);
      describeHookLifecycle(storage);
      describeWaitLifecycle(storage);
      describeEventReads(storage);
      describeEntityLists(storage);
      describeResolveDataNone(storage);
      describePayloadRoundTrip(storage);
      describeTagLookalikes(storage);
      describeConcurrentWriters(storage, capabilities);
      describeStateGuard(storage, capabilities);
    });
  });
}
