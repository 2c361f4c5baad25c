import { WorkflowWorldError } from '@workflow/errors';

/** Most items one page may ask for; the contract caps larger limits rather than refusing them. */
const SORT_ORDERS = new Set(['asc', 'desc']);

const invalid = (message: string) =>
  new WorkflowWorldError(`invalid list request: ${message}`, { status: 400 });

/**
 * Checks the pagination of a list call before it reaches a backend, so every backend answers a
 * malformed one the same way — a typed 400 naming the parameter — instead of a driver error
 * (`invalid input syntax for type bigint: "NaN"` from PostgreSQL, `InternalFailure` from
 * DynamoDB). A `limit` past the maximum is not an error; backends cap it.
 */
export function checkListParams(params: unknown): void {
  if (params === undefined || params === null) return;
  if (typeof params !== 'object') throw invalid('the options must be an object');
  const pagination = (params as { pagination?: unknown }).pagination;
  if (pagination === undefined || pagination === null) return;
  if (typeof pagination !== 'object') throw invalid('pagination must be an object');
  const { limit, cursor, sortOrder } = pagination as Record<string, unknown>;
  if (limit !== undefined && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1)) {
    throw invalid(`pagination.limit must be a whole number of at least 1, got ${describe(limit)}`);
  }
  if (cursor !== undefined && cursor !== null && typeof cursor !== 'string') {
    throw invalid(
      `pagination.cursor must be a string from an earlier page, got ${describe(cursor)}`,
    );
  }
  if (sortOrder !== undefined && !SORT_ORDERS.has(sortOrder as string)) {
    throw invalid(`pagination.sortOrder must be "asc" or "desc", got ${describe(sortOrder)}`);
  }
}

/** Runs a list call once its pagination passed `checkListParams`; a bad one rejects. */
export function checkedList<T>(params: unknown, list: () => Promise<T>): Promise<T> {
  try {
    checkListParams(params);
  } catch (error) {
    return Promise.reject(error);
  }
  return list();
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 40));
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value === null ? 'null' : typeof value;
}
