import type { ClaimStore } from '@worldkit/core';
import type { PostgresConnection } from '../connection/shared-pool.js';
import { quoteIdentifier } from '../connection/table-names.js';

/** Expired claims are deleted at most this often per process, in batches of `PURGE_BATCH`. */
export const PURGE_INTERVAL_MS = 60_000;
const PURGE_BATCH = 1_000;

/** Created by migration 0005, in the same schema as the other tables. */
const claimsTable = (connection: PostgresConnection) =>
  `${quoteIdentifier(connection.tables.schema)}.claims`;

/**
 * Claims in table `claims`, shared by every process on the database. One statement decides a
 * claim: the insert wins on a new key, takes over a row whose claim has expired, and otherwise
 * changes nothing and returns no row. Expired rows are also deleted, at most once a minute per
 * process and a batch at a time, in the background of a claim.
 */
export function createPostgresClaims(
  ready: () => Promise<PostgresConnection>,
  now: () => number = Date.now,
): ClaimStore {
  let lastPurge = now();

  const purge = (connection: PostgresConnection) => {
    lastPurge = now();
    const table = claimsTable(connection);
    // Best effort: a failed purge leaves rows for the next one and never fails a claim.
    connection.pool
      .query(
        `DELETE FROM ${table} WHERE claim_key IN
           (SELECT claim_key FROM ${table} WHERE expires_at <= now() LIMIT ${PURGE_BATCH})`,
      )
      .catch(() => undefined);
  };

  return {
    async claimOnce(key, expiresAtMs) {
      const connection = await ready();
      const result = await connection.pool.query(
        `INSERT INTO ${claimsTable(connection)} (claim_key, expires_at)
         VALUES ($1, to_timestamp($2::double precision / 1000))
         ON CONFLICT (claim_key) DO UPDATE SET expires_at = EXCLUDED.expires_at
           WHERE ${claimsTable(connection)}.expires_at <= now()
         RETURNING 1`,
        [key, expiresAtMs],
      );
      if (now() - lastPurge >= PURGE_INTERVAL_MS) purge(connection);
      return result.rowCount === 1;
    },
  };
}
