import { WorkflowWorldError } from '@workflow/errors';
import type { PaginatedResponse, PaginationOptions } from '@workflow/world';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

/** A page request in SQL terms: rows are ordered and paged by their `seq` column (insertion order). */
export interface PageWindow {
  limit: number;
  direction: 'ASC' | 'DESC';
  /** Rows strictly after this seq in `direction`, or `null` for the first page. */
  afterSeq: string | null;
}

export function pageWindow(
  pagination: PaginationOptions | undefined,
  defaultOrder: 'asc' | 'desc',
): PageWindow {
  const limit = Math.min(Math.max(Math.trunc(pagination?.limit ?? DEFAULT_LIMIT), 1), MAX_LIMIT);
  const order = pagination?.sortOrder ?? defaultOrder;
  const cursor = pagination?.cursor;
  if (cursor !== undefined && cursor !== '' && !/^\d{1,19}$/.test(cursor)) {
    throw new WorkflowWorldError(`invalid pagination cursor "${cursor}"`);
  }
  return { limit, direction: order === 'asc' ? 'ASC' : 'DESC', afterSeq: cursor || null };
}

/** The `seq` condition for a window, using parameter `$index`. */
export function seqCondition(window: PageWindow, index: number): string {
  return `($${index}::bigint IS NULL OR seq ${window.direction === 'ASC' ? '>' : '<'} $${index}::bigint)`;
}

/** Turns `limit + 1` fetched rows into a page; the cursor is the last row's seq. */
export function toPage<R extends { seq: string }, T>(
  rows: R[],
  window: PageWindow,
  map: (row: R) => T,
): PaginatedResponse<T> {
  const hasMore = rows.length > window.limit;
  const pageRows = hasMore ? rows.slice(0, window.limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return { data: pageRows.map(map), cursor: last ? last.seq : null, hasMore };
}
