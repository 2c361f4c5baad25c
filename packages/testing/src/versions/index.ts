import type { VersionStore } from '@worldkit/core';
import { afterEach, beforeEach, describe } from 'vitest';
import { describeVersionCrud } from './groups/crud.js';
import { describeVersionListing } from './groups/listing.js';
import { describeVersionPromotion } from './groups/promotion.js';
import { describeUpgradeLog } from './groups/upgrade-log.js';

export interface VersionStoreConformanceOptions {
  /** Shown in the suite's name, e.g. `local` or `postgres`. */
  name: string;
  /**
   * Returns an empty version store for one test; the suite calls `close()` after it. The listing
   * and promotion tests assume the store starts empty, so give each call fresh state.
   */
  createStore: () => Promise<VersionStore> | VersionStore;
  /** Per-test timeout in milliseconds for slow remote backends (default 30 000). */
  timeoutMs?: number;
  /**
   * Whether the store implements the optional `upgrades` log. `true` runs its group; absent or
   * a string skips it (the string is the reason shown).
   */
  upgradeLog?: true | string;
}

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
    let current: VersionStore | undefined;
    beforeEach(async () => {
      current = await options.createStore();
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
    describeVersionCrud(store);
    describeVersionListing(store);
    describeVersionPromotion(store);
    if (options.upgradeLog === true) describeUpgradeLog(store);
    else {
      const reason = options.upgradeLog ?? 'the store declares no upgrade log';
      describe.skip(`upgrade log (skipped: ${reason})`, () => describeUpgradeLog(store));
    }
  });
}
