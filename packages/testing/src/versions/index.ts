import type { VersionStore, VersionsProvider } from '@worldkit/core';
import { afterEach, beforeEach, describe } from 'vitest';
import { type ConformanceOptions, registerGroups, skipUnlessCapable } from '../conformance.js';
import {
  type DeprecatedVersionStoreConformanceOptions,
  versionsFromDeprecated,
} from '../deprecated-options.js';
import { testProviderContext } from '../provider-context.js';
import { describeVersionCrud } from './groups/crud.js';
import { describeVersionListing } from './groups/listing.js';
import { describeVersionPromotion } from './groups/promotion.js';
import { describeUpgradeLog } from './groups/upgrade-log.js';

/**
 * `create` returns a versions provider (e.g. `postgresVersions({...})`) whose store starts
 * empty: the listing and promotion tests assume so. Before every test the suite calls it, then
 * the provider's `create(context)` and the store's `start()`; it calls `close()` after the
 * test. The upgrade-log group runs when the store has the optional `upgrades` log. Default
 * `timeoutMs`: 30 000.
 */
export type VersionStoreConformanceOptions =
  | ConformanceOptions<VersionsProvider>
  | DeprecatedVersionStoreConformanceOptions;

/**
 * The `VersionStore` contract of `@worldkit/core`: create (generated and explicit ids, duplicate
 * ids refused), get, cursor-paginated list, update (including setting and clearing a ramp),
 * promote / getCurrent, and delete (refusing the current version). Errors are checked by name
 * (`VersionConflictError`, `VersionNotFoundError`), as the composer checks them.
 */
export function describeVersionStoreConformance(options: VersionStoreConformanceOptions): void {
  describe(`version store conformance: ${options.name}`, {
    timeout: options.timeoutMs ?? 30_000,
  }, () => {
    const create = 'create' in options ? options.create : versionsFromDeprecated(options);
    let current: VersionStore | undefined;
    beforeEach(async () => {
      const provider = await create();
      current = provider.create(testProviderContext({ deploymentId: 'versions-conformance' }));
      await current.start?.();
    });
    afterEach(async () => {
      const store = current;
      current = undefined;
      await store?.close?.();
    });
    const store = () => {
      if (!current)
        throw new Error('the conformance version store is only available inside a test');
      return current;
    };
    registerGroups(options.knownGaps, () => {
      describeVersionCrud(store);
      describeVersionListing(store);
      describeVersionPromotion(store);
      describe('upgrade log (needs upgrades)', () => {
        skipUnlessCapable(
          'upgrades',
          () => store().upgrades !== undefined,
          'the store has no `upgrades` log (optional; upgrades are then not recorded)',
        );
        describeUpgradeLog(store);
      });
    });
  });
}
