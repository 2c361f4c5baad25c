import { startPostgresServer } from '@worldkit/test-servers';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStorage } from '../storage/postgres-storage.js';
import { loadMigrations, type Migration, MigrationError, migrate } from './migrate.js';

let server: Awaited<ReturnType<typeof startPostgresServer>>;
let pool: pg.Pool;

beforeAll(async () => {
  server = await startPostgresServer();
  pool = new pg.Pool({ connectionString: server.url, max: 6 });
});
afterAll(async () => {
  await pool?.end();
  await server?.stop();
});

const recorded = async (schema: string) =>
  (
    await pool.query<{ version: number; name: string }>(
      `SELECT version, name FROM "${schema}".schema_migrations ORDER BY version`,
    )
  ).rows;

describe('migrate()', () => {
  it('applies the shipped migrations once; a second run is a no-op', async () => {
    const shipped = loadMigrations();
    expect(shipped.map((migration) => migration.version)).toEqual([1, 2, 3, 4, 5, 6]);

    const first = await migrate(pool, 'migrate_twice');
    expect(first).toEqual({ applied: [1, 2, 3, 4, 5, 6], current: 6 });
    const second = await migrate(pool, 'migrate_twice');
    expect(second).toEqual({ applied: [], current: 6 });
    expect(await recorded('migrate_twice')).toEqual([
      { version: 1, name: 'initial' },
      { version: 2, name: 'upgrades' },
      { version: 3, name: 'state_guard' },
      { version: 4, name: 'upgrade_token_aliases' },
      { version: 5, name: 'claims' },
      { version: 6, name: 'event_ids_under_lock' },
    ]);
  });

  it('serializes concurrent migrations: exactly one caller applies each version', async () => {
    const reports = await Promise.all(
      Array.from({ length: 4 }, () => migrate(pool, 'migrate_race')),
    );
    expect(reports.flatMap((report) => report.applied)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(reports.every((report) => report.current === 6)).toBe(true);
  });

  it('applies only the versions a schema lacks, in order', async () => {
    const first: Migration = {
      version: 1,
      name: 'first',
      sql: 'CREATE TABLE first_table (id int);',
    };
    const second: Migration = {
      version: 2,
      name: 'second',
      sql: 'ALTER TABLE first_table ADD COLUMN note text;',
    };
    await migrate(pool, 'migrate_steps', [first]);
    const report = await migrate(pool, 'migrate_steps', [first, second]);
    expect(report).toEqual({ applied: [2], current: 2 });
    const columns = await pool.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns
       WHERE table_schema = 'migrate_steps' AND table_name = 'first_table' ORDER BY ordinal_position`,
    );
    expect(columns.rows.map((row) => row.column_name)).toEqual(['id', 'note']);
  });

  it('rolls back a failing migration entirely, records nothing, and names it in a typed error', async () => {
    const migrations: Migration[] = [
      { version: 1, name: 'fine', sql: 'CREATE TABLE fine_table (id int);' },
      {
        version: 2,
        name: 'broken',
        sql: 'CREATE TABLE half (id int); SELECT * FROM missing_table;',
      },
    ];
    const error = await migrate(pool, 'migrate_broken', migrations).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(MigrationError);
    expect(MigrationError.is(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'WORLDKIT_POSTGRES_MIGRATION_FAILED',
      version: 2,
      migrationName: 'broken',
      migration: '0002_broken',
      schema: 'migrate_broken',
      cause: expect.objectContaining({ code: '42P01' }),
    });
    expect((error as Error).message).toMatch(
      /^@worldkit\/postgres: migration 0002_broken failed in schema "migrate_broken" .*relation "missing_table" does not exist$/,
    );
    const schema = await pool.query(`SELECT 1 FROM pg_namespace WHERE nspname = 'migrate_broken'`);
    expect(schema.rowCount).toBe(0);
  });

  it('storage setup() migrates, and every stored row carries schema_version 1', async () => {
    const storage = createPostgresStorage({ pool, schema: 'migrate_storage' });
    await storage.setup();
    await storage.setup();
    expect(await recorded('migrate_storage')).toEqual([
      { version: 1, name: 'initial' },
      { version: 2, name: 'upgrades' },
      { version: 3, name: 'state_guard' },
      { version: 4, name: 'upgrade_token_aliases' },
      { version: 5, name: 'claims' },
      { version: 6, name: 'event_ids_under_lock' },
    ]);
    expect(await storage.migrate()).toEqual({ applied: [], current: 6 });

    await storage.events.create(null, {
      eventType: 'run_created',
      specVersion: 3,
      eventData: { deploymentId: 'dpl', workflowName: 'workflow//x', input: new Uint8Array([0]) },
    });
    for (const table of ['runs', 'events']) {
      const rows = await pool.query<{ schema_version: number }>(
        `SELECT DISTINCT schema_version FROM migrate_storage.${table}`,
      );
      expect(rows.rows).toEqual([{ schema_version: 1 }]);
    }
    const withoutVersion = await pool.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables t
       WHERE table_schema = 'migrate_storage' AND table_name <> 'schema_migrations'
         AND NOT EXISTS (SELECT 1 FROM information_schema.columns c
                         WHERE c.table_schema = t.table_schema AND c.table_name = t.table_name
                           AND c.column_name = 'schema_version')`,
    );
    expect(withoutVersion.rows.map((row) => row.table_name)).toEqual([]);
    await storage.close();
  });
});
