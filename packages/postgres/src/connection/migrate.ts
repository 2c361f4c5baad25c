import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { quoteIdentifier, tableNames } from './table-names.js';

/** A versioned SQL file from `packages/postgres/migrations`. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const MIGRATION_FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** `../migrations` resolves the same from `src/` (tests) and `dist/` (published package). */
const migrationsDirectory = fileURLToPath(new URL('../../migrations/', import.meta.url));

let cached: Migration[] | undefined;

/** The migrations shipped with this package, in version order. */
export function loadMigrations(directory = migrationsDirectory): Migration[] {
  if (directory === migrationsDirectory && cached) return cached;
  const migrations = readdirSync(directory)
    .map((file) => ({ file, match: MIGRATION_FILE.exec(file) }))
    .filter((entry): entry is { file: string; match: RegExpExecArray } => entry.match !== null)
    .map(({ file, match }) => ({
      version: Number(match[1]),
      name: match[2],
      sql: readFileSync(join(directory, file), 'utf8'),
    }))
    .sort((a, b) => a.version - b.version);
  if (directory === migrationsDirectory) cached = migrations;
  return migrations;
}

export interface MigrationReport {
  /** Versions applied by this call (empty when the schema was already up to date). */
  applied: number[];
  /** Highest version recorded in `<schema>.schema_migrations` afterwards. */
  current: number;
}

/**
 * Brings `schema` up to the newest migration. Idempotent and safe to run from many processes at
 * once: everything happens in one transaction under an advisory lock keyed by the schema, and
 * applied versions are recorded in `<schema>.schema_migrations`.
 */
export async function migrate(
  pool: pg.Pool,
  schema: string,
  migrations: Migration[] = loadMigrations(),
): Promise<MigrationReport> {
  const tables = tableNames(schema);
  const client = await pool.connect();
  // A checked-out client whose server goes away emits 'error' with no listener (an uncaught
  // exception); the query in flight rejects with the same error, so the listener only absorbs it.
  const absorb = () => undefined;
  client.on('error', absorb);
  try {
    await client.query('BEGIN');
    // Transaction-scoped, so a crash mid-migration releases the lock with the rollback.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
      `worldkit:migrate:${schema}`,
    ]);
    const existing = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    // Checked first so a role without CREATE on the database can use a schema made for it.
    if (existing.rowCount === 0) await client.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${tables.schemaMigrations} (
         version integer PRIMARY KEY,
         name text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const done = await client.query<{ version: number }>(
      `SELECT version FROM ${tables.schemaMigrations}`,
    );
    const appliedBefore = new Set(done.rows.map((row) => row.version));
    const applied: number[] = [];
    // Unqualified names in the SQL files land in the configured schema.
    await client.query(`SET LOCAL search_path TO ${quoteIdentifier(schema)}`);
    for (const migration of migrations) {
      if (appliedBefore.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query(`INSERT INTO ${tables.schemaMigrations} (version, name) VALUES ($1, $2)`, [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.version);
    }
    await client.query('COMMIT');
    const versions = [...appliedBefore, ...applied];
    return { applied, current: versions.length ? Math.max(...versions) : 0 };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.removeListener('error', absorb);
    client.release();
  }
}
