import type { PaginatedResponse } from '@workflow/world';
import { expect } from 'vitest';

/**
 * Follows cursors page by page, checking the `{ data, cursor, hasMore }` contract (storage rule 8 in docs/contract.md)
 * on every page: no page exceeds the limit, a page that says `hasMore` is full and has a cursor.
 */
export async function collectPages<T>(
  fetchPage: (cursor: string | undefined) => Promise<PaginatedResponse<T>>,
  limit: number,
): Promise<T[][]> {
  const pages: T[][] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 50; guard++) {
    const page = await fetchPage(cursor);
    expect(page.data.length, 'a page never exceeds the limit').toBeLessThanOrEqual(limit);
    pages.push(page.data);
    if (!page.hasMore) return pages;
    expect(page.data.length, 'a page with hasMore is full').toBe(limit);
    expect(page.cursor, 'a page with hasMore carries a cursor').toEqual(expect.any(String));
    cursor = page.cursor as string;
  }
  throw new Error('pagination did not end within 50 pages');
}
