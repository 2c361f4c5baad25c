import type { OutageReport } from '@worldkit/core';
import type pg from 'pg';
import { preparedQuery } from '../connection/prepared-statements.js';

/**
 * The consumer's queries (claim, lease extension, outcome writes, …), each feeding one outage
 * report, so a database outage is one warning and one recovery line rather than one line per
 * poll and per message.
 */
export function reportedQueries(pool: () => pg.Pool, outage: OutageReport) {
  const reported = new WeakSet<object>();
  return {
    async query<Row extends pg.QueryResultRow>(
      operation: string,
      text: string,
      values: unknown[],
    ): Promise<pg.QueryResult<Row>> {
      const startedAt = Date.now();
      try {
        const result = await preparedQuery<Row>(pool(), text, values);
        outage.succeeded(startedAt);
        return result;
      } catch (error) {
        outage.failed(operation, error);
        if (typeof error === 'object' && error !== null) reported.add(error);
        throw error;
      }
    },
    /** True for an error a query already reported, which the caller need not log again. */
    reported(error: unknown): boolean {
      return typeof error === 'object' && error !== null && reported.has(error);
    },
  };
}
