import { WorldkitError } from '@worldkit/provider';
import type pg from 'pg';
import { EMBEDDED_MIGRATIONS } from './migrations.generated.js';
import { quoteIdentifier, tableNames } from './table-names.js';

/**
 * One versioned schema change. The shipped ones are written as `migrations/NNNN_name.sql` in
 * this package and embedded in code by `scripts/embed-migrations.mjs`
 * (`migrations.generated.ts`), so nothing is read from disk at runtime: the package bundles
 * (Turbopack, esbuild) and is traced (Next.js output tracing) like any other code.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The migrations shipped with this package, in version order. */
export function loadMigrations(): Migration[] {
  return EMBEDDED_MIGRATIONS.map((migration) => ({ ...migration }));
}

/** `0003_state_guard`: how a migration is named in files, errors and logs. */
export function migrationLabel(migration: Pick<Migration, 'version' | 'name'>): string {
  return `${String(migration.version).padStart(4, '0')}_${migration.name}`;
}

/**
 * A migration failed: nothing of this `migrate()` call was kept (one transaction). Names the
 * migration and the schema; `cause` is the database's error (with its `code`, `position`, …).
 */
export class MigrationError extends WorldkitError {
  static override readonly code = 'WORLDKIT_POSTGRES_MIGRATION_FAILED';
  override readonly name = 'MigrationError';
  readonly migration: string;

  constructor(
    readonly version: number,
    readonly migrationName: string,
    readonly schema: string,
    cause: unknown,
  ) {
    const label = migrationLabel({ version, name: migrationName });
    super(
      MigrationError.code,
      `@worldkit/postgres: migration ${label} failed in schema "${schema}" and was rolled back with every migration of this run: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.migration = label;
  }
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
  migrations: readonly Migration[] = EMBEDDED_MIGRATIONS,
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
    // Unqualified names in the migrations land in the configured schema.
    await client.query(`SET LOCAL search_path TO ${quoteIdentifier(schema)}`);
    for (const migration of migrations) {
      if (appliedBefore.has(migration.version)) continue;
      try {
        await client.query(migration.sql);
      } catch (error) {
        throw new MigrationError(migration.version, migration.name, schema, error);
      }
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
