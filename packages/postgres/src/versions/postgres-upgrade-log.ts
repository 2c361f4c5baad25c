import {
  type UpgradeLog,
  type UpgradeLogFilter,
  type UpgradeRecord,
  upgradeRecordSchema,
} from '@worldkit/core';
import { query } from '../connection/raw-json-types.js';
import type { PostgresConnection } from '../connection/shared-pool.js';
import { quoteIdentifier } from '../connection/table-names.js';
import { fromStoredJson, toStoredJson } from '../stored-json.js';

interface UpgradeRow {
  record: string;
}

/** Created by migration 0002, in the same schema as the other tables. */
const upgradesTable = (connection: PostgresConnection) =>
  `${quoteIdentifier(connection.tables.schema)}.upgrades`;

/**
 * The upgrade log in table `upgrades`: one row per upgrade id, the whole record as stored JSON
 * (dates survive) beside the columns the filters use. `record` replaces a row in place, so the
 * `started` → `completed` update of one upgrade keeps its position in the log.
 */
export function createPostgresUpgradeLog(ready: () => Promise<PostgresConnection>): UpgradeLog {
  const select = async (conditions: string[], values: unknown[]) => {
    const connection = await ready();
    const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
    const result = await query<UpgradeRow>(
      connection.pool,
      // Oldest first; seq breaks ties between upgrades created in the same millisecond.
      `SELECT record FROM ${upgradesTable(connection)} ${where} ORDER BY created_at, seq`,
      values,
    );
    return result.rows.map((row) => fromStoredJson(row.record) as UpgradeRecord);
  };

  return {
    async record(entry: UpgradeRecord) {
      // Validated here: a malformed record would otherwise be found later by an upgrade retry.
      const parsed = upgradeRecordSchema.parse(entry);
      const connection = await ready();
      await connection.pool.query(
        `INSERT INTO ${upgradesTable(connection)}
           (upgrade_id, run_id, new_run_id, from_version, to_version, status, created_at, record)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)
         ON CONFLICT (upgrade_id) DO UPDATE SET
           run_id = EXCLUDED.run_id, new_run_id = EXCLUDED.new_run_id,
           from_version = EXCLUDED.from_version, to_version = EXCLUDED.to_version,
           status = EXCLUDED.status, created_at = EXCLUDED.created_at, record = EXCLUDED.record`,
        [
          parsed.id,
          parsed.runId,
          parsed.newRunId,
          parsed.fromVersion,
          parsed.toVersion,
          parsed.status,
          parsed.createdAt,
          toStoredJson(parsed),
        ],
      );
    },
    findByRun(runId) {
      return select(['run_id = $1'], [runId]);
    },
    async findByToken(token) {
      // Containment on the stored record: tokens are plain strings there (no tags).
      const found = await select(
        ["record->'tokenAliases' @> $1::jsonb"],
        [JSON.stringify([{ from: token }])],
      );
      return found.at(-1) ?? null;
    },
    list(filter: UpgradeLogFilter = {}) {
      const conditions: string[] = [];
      const values: unknown[] = [];
      // Separate OR-ed equalities rather than `$1 IS NULL OR …`, so each can use its index.
      if (filter.runId) {
        values.push(filter.runId);
        conditions.push(`(run_id = $${values.length} OR new_run_id = $${values.length})`);
      }
      if (filter.versionId) {
        values.push(filter.versionId);
        conditions.push(`(from_version = $${values.length} OR to_version = $${values.length})`);
      }
      return select(conditions, values);
    },
  };
}
