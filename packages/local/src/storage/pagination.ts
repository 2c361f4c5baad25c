import { WorkflowWorldError } from '@workflow/errors';
import type { PaginatedResponse, PaginationOptions } from '@workflow/world';
import type { OrderedList, SortKey } from './ordered-list.js';

/** Page size when the caller names none; large enough that replay rarely needs a second page. */
export const DEFAULT_PAGE_SIZE = 100;
/** The interface documents 1000 as the maximum page size. */
export const MAX_PAGE_SIZE = 1000;

/**
 * Cursors are `<at>:<id>` of the last item returned. They stay valid while items are added,
 * because a page starts strictly after the key rather than at an offset.
 */
export function encodeCursor(key: SortKey): string {
  return `${key.at}:${key.id}`;
}

export function decodeCursor(cursor: string): SortKey {
  const separator = cursor.indexOf(':');
  const at = Number(cursor.slice(0, separator));
  const id = cursor.slice(separator + 1);
  if (separator <= 0 || !Number.isSafeInteger(at) || id === '') {
    // Status 400 tells the runtime the cursor was rejected, so it reloads from the start.
    throw new WorkflowWorldError(`Invalid pagination cursor "${cursor}"`, { status: 400 });
  }
  return { at, id };
}

export function pageSize(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_PAGE_SIZE;
  return Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(limit)));
}

/** Reads one page of `list` and maps each stored item to what the caller receives. */
export function readPage<T, R>(
  list: OrderedList<T> | undefined,
  pagination: PaginationOptions | undefined,
  defaultOrder: 'asc' | 'desc',
  present: (item: T) => R,
  accept?: (item: T) => boolean,
): PaginatedResponse<R> {
  const after = pagination?.cursor ? decodeCursor(pagination.cursor) : undefined;
  if (!list) return { data: [], cursor: null, hasMore: false };
  const { items, hasMore } = list.page({
    after,
    limit: pageSize(pagination?.limit),
    order: pagination?.sortOrder ?? defaultOrder,
    accept,
  });
  const last = items[items.length - 1];
  return {
    data: items.map(present),
    // The last item's cursor is returned even on the final page: the runtime keeps it to load
    // only newer events later.
    cursor: last === undefined ? null : encodeCursor(list.keyOf(last)),
    hasMore,
  };
}
