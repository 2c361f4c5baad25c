import {
  type ClaimStore,
  type CreateVersionInput,
  createVersionInputSchema,
  newVersionRecord,
  promotedVersionRecord,
  type UpdateVersionInput,
  type UpgradeLog,
  updatedVersionRecord,
  updateVersionInputSchema,
  type Version,
  VersionConflictError,
  VersionNotFoundError,
  type VersionStore,
} from '@worldkit/core';
import type pg from 'pg';
import { ulid } from 'ulid';
import { createPostgresClaims } from '../claims/postgres-claims.js';
import { query } from '../connection/raw-json-types.js';
import { lazyConnection } from '../connection/shared-pool.js';
import type { TableNames } from '../connection/table-names.js';
import { inTransaction } from '../connection/transaction.js';
import { type PostgresSettings, resolvePostgresSettings } from '../settings.js';
import { fromStoredJson, toStoredJson } from '../stored-json.js';
import { createPostgresUpgradeLog } from './postgres-upgrade-log.js';

export type PostgresVersionStore = VersionStore & {
  upgrades: UpgradeLog;
  /** Claims in the same database (the World's durable replay store for `@worldkit/http`). */
  claims: ClaimStore;
  start(): Promise<void>;
  close(): Promise<void>;
};

interface VersionRow {
  version_id: string;
  seq: string;
  record: string;
}

const toVersion = (row: VersionRow): Version => fromStoredJson(row.record) as Version;

/**
 * Version records in PostgreSQL, one JSON record per row (dates and any bytes in metadata
 * survive), plus a one-row pointer to the promoted version and the durable upgrade log.
 * Behaves like core's memory store: same validation, same `VersionConflictError` /
 * `VersionNotFoundError` cases.
 */
export function createPostgresVersionStore(settings: PostgresSettings = {}): PostgresVersionStore {
  const connection = lazyConnection(resolvePostgresSettings(settings));

  const lockVersion = async (client: pg.PoolClient, tables: TableNames, id: string) => {
    const result = await query<VersionRow>(
      client,
      `SELECT version_id, seq, record FROM ${tables.versions} WHERE version_id = $1 FOR UPDATE`,
      [id],
    );
    const row = result.rows[0];
    if (!row) throw new VersionNotFoundError(id);
    return toVersion(row);
  };
  const save = (client: pg.PoolClient, tables: TableNames, version: Version) =>
    client.query(`UPDATE ${tables.versions} SET record = $2::jsonb WHERE version_id = $1`, [
      version.id,
      toStoredJson(version),
    ]);

  return {
    upgrades: createPostgresUpgradeLog(() => connection.ready()),
    claims: createPostgresClaims(() => connection.ready()),
    async create(input: CreateVersionInput) {
      const parsed = createVersionInputSchema.parse(input);
      const { pool, tables } = await connection.ready();
      const id = parsed.id ?? `vers_${ulid()}`;
      const version = newVersionRecord(parsed, id);
      const inserted = await pool.query(
        `INSERT INTO ${tables.versions} (version_id, record) VALUES ($1, $2::jsonb)
         ON CONFLICT (version_id) DO NOTHING`,
        [id, toStoredJson(version)],
      );
      if (inserted.rowCount === 0) throw new VersionConflictError(`version "${id}" already exists`);
      return fromStoredJson(toStoredJson(version)) as Version;
    },
    async get(id) {
      const { pool, tables } = await connection.ready();
      const result = await query<VersionRow>(
        pool,
        `SELECT version_id, seq, record FROM ${tables.versions} WHERE version_id = $1`,
        [id],
      );
      const row = result.rows[0];
      return row ? toVersion(row) : null;
    },
    async list(options = {}) {
      const { pool, tables } = await connection.ready();
      const limit = Math.min(Math.max(options.limit ?? 100, 1), 1000);
      // The cursor is the last id of the previous page; creation order is insertion order.
      const result = await query<VersionRow>(
        pool,
        `SELECT version_id, seq, record FROM ${tables.versions}
         WHERE $1::text IS NULL OR seq > (SELECT seq FROM ${tables.versions} WHERE version_id = $1)
         ORDER BY seq LIMIT $2`,
        [options.cursor ?? null, limit + 1],
      );
      const hasMore = result.rows.length > limit;
      const page = result.rows.slice(0, limit).map(toVersion);
      return { data: page, cursor: hasMore ? (page[page.length - 1]?.id ?? null) : null, hasMore };
    },
    async update(id, input: UpdateVersionInput) {
      const parsed = updateVersionInputSchema.parse(input);
      const { pool, tables } = await connection.ready();
      return inTransaction(pool, async (client) => {
        const existing = await lockVersion(client, tables, id);
        const next = updatedVersionRecord(existing, parsed);
        await save(client, tables, next);
        return next;
      });
    },
    async delete(id) {
      const { pool, tables } = await connection.ready();
      await inTransaction(pool, async (client) => {
        await lockVersion(client, tables, id);
        const current = await client.query(
          `SELECT 1 FROM ${tables.currentVersion} WHERE version_id = $1 FOR UPDATE`,
          [id],
        );
        if (current.rowCount) {
          throw new VersionConflictError(
            `version "${id}" is current; promote another version first`,
          );
        }
        await client.query(`DELETE FROM ${tables.versions} WHERE version_id = $1`, [id]);
      });
    },
    async getCurrent() {
      const { pool, tables } = await connection.ready();
      const result = await query<VersionRow>(
        pool,
        `SELECT v.version_id, v.seq, v.record FROM ${tables.currentVersion} c
         JOIN ${tables.versions} v ON v.version_id = c.version_id`,
      );
      const row = result.rows[0];
      return row ? toVersion(row) : null;
    },
    async promote(id) {
      const { pool, tables } = await connection.ready();
      return inTransaction(pool, async (client) => {
        const version = await lockVersion(client, tables, id);
        const next = promotedVersionRecord(version);
        await save(client, tables, next);
        await client.query(
          `INSERT INTO ${tables.currentVersion} (singleton, version_id) VALUES (true, $1)
           ON CONFLICT (singleton) DO UPDATE SET version_id = EXCLUDED.version_id`,
          [id],
        );
        return next;
      });
    },
    async start() {
      await connection.ready();
    },
    close: () => connection.close(),
  };
}
