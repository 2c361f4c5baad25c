import type { Version, VersionStore } from '@worldkit/core';
import { describe, expect } from 'vitest';
import { it } from '../../conformance.js';

export function describeVersionListing(store: () => VersionStore): void {
  describe('list', () => {
    it('returns an empty page for an empty store', async () => {
      expect(
        await store().list(),
        'Version store (docs/contract.md), cursor-paginated list: await store().list()',
      ).toEqual({ data: [], cursor: null, hasMore: false });
    });

    it('lists versions oldest first and pages with a cursor', async () => {
      const created: Version[] = [];
      for (let at = 0; at < 5; at++) {
        created.push(await store().create({ label: `v${at}` }));
        // Distinct creation times, so "oldest first" has exactly one right answer.
        await new Promise((resolve) => setTimeout(resolve, 3));
      }

      const seen: string[] = [];
      const hasMoreFlags: boolean[] = [];
      let cursor: string | undefined;
      for (let guard = 0; guard < 10; guard++) {
        const page = await store().list({ limit: 2, cursor });
        expect(
          page.data.length,
          'Version store (docs/contract.md), cursor-paginated list: page.data.length',
        ).toBeLessThanOrEqual(2);
        seen.push(...page.data.map((version) => version.id));
        hasMoreFlags.push(page.hasMore);
        if (!page.hasMore) {
          expect(
            page.cursor,
            'Version store (docs/contract.md), cursor-paginated list: page.cursor',
          ).toBeNull();
          break;
        }
        expect(
          typeof page.cursor,
          'Version store (docs/contract.md), cursor-paginated list: typeof page.cursor',
        ).toBe('string');
        cursor = page.cursor ?? undefined;
      }
      expect(seen, 'Version store (docs/contract.md), cursor-paginated list: seen').toEqual(
        created.map((version) => version.id),
      );
      expect(
        hasMoreFlags,
        'Version store (docs/contract.md), cursor-paginated list: hasMoreFlags',
      ).toEqual([true, true, false]);
    });

    it('lists versions with Date timestamps', async () => {
      await store().create({ label: 'dated' });
      const [version] = (await store().list()).data;
      expect(
        version.createdAt,
        'Version store (docs/contract.md), cursor-paginated list: version.createdAt',
      ).toBeInstanceOf(Date);
      expect(
        version.updatedAt,
        'Version store (docs/contract.md), cursor-paginated list: version.updatedAt',
      ).toBeInstanceOf(Date);
    });
  });
}
