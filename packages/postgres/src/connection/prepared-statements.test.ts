import { SPEC_VERSION_CURRENT } from '@workflow/world';
import { WorldkitConfigError } from '@worldkit/core';
import { startPostgresServer } from '@worldkit/test-servers';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resolvePostgresSettings } from '../settings.js';
import { createPostgresStorage } from '../storage/postgres-storage.js';

/**
 * Statements go to PostgreSQL as named prepared statements unless `preparedStatements: false`
 * (for poolers that do not keep them). Checked on the server: `pg_prepared_statements` lists a
 * session's prepared statements, so each storage gets a one-connection pool of its own.
 */

const ENV = 'WORLDKIT_POSTGRES_PREPARED_STATEMENTS';
const saved = process.env[ENV];
afterEach(() => {
  if (saved === undefined) delete process.env[ENV];
  else process.env[ENV] = saved;
});

let server: Awaited<ReturnType<typeof startPostgresServer>>;
const pools: pg.Pool[] = [];
beforeAll(async () => {
  server = await startPostgresServer();
});
afterAll(async () => {
  for (const pool of pools) await pool.end();
  await server?.stop();
});

/** Writes a run's first events through a storage on its own one-connection pool. */
async function preparedAfterWrites(preparedStatements: boolean | undefined): Promise<string[]> {
  const pool = new pg.Pool({ connectionString: server.url, max: 1 });
  pools.push(pool);
  const storage = createPostgresStorage({
    pool,
    schema: 'prepared',
    ...(preparedStatements === undefined ? {} : { preparedStatements }),
  });
  const created = await storage.events.create(null, {
    eventType: 'run_created',
    specVersion: SPEC_VERSION_CURRENT,
    eventData: {
      deploymentId: 'dpl_prepared',
      workflowName: 'workflow//prepared',
      input: new Uint8Array([1]),
    },
  });
  await storage.events.create(created.run?.runId as string, {
    eventType: 'run_started',
    specVersion: SPEC_VERSION_CURRENT,
  });
  const names = await pool.query<{ name: string }>('SELECT name FROM pg_prepared_statements');
  await storage.close();
  return names.rows.map((row) => row.name);
}

describe('prepared statements', () => {
  it('event writes are named prepared statements by default', async () => {
    const names = await preparedAfterWrites(undefined);
    expect(names.filter((name) => name.startsWith('wk_')).length).toBeGreaterThan(0);
  });

  it('preparedStatements: false sends every statement unnamed', async () => {
    expect(await preparedAfterWrites(false)).toEqual([]);
  });

  it('reads WORLDKIT_POSTGRES_PREPARED_STATEMENTS and names option and variable when it is not a boolean', () => {
    process.env[ENV] = 'false';
    expect(
      resolvePostgresSettings({ connectionString: 'postgres://h/db' }).preparedStatements,
    ).toBe(false);
    process.env[ENV] = 'sometimes';
    let caught: unknown;
    try {
      resolvePostgresSettings({ connectionString: 'postgres://h/db' });
    } catch (error) {
      caught = error;
    }
    expect(WorldkitConfigError.is(caught)).toBe(true);
    expect((caught as Error).message).toMatch(/preparedStatements/);
    expect((caught as Error).message).toMatch(/WORLDKIT_POSTGRES_PREPARED_STATEMENTS/);
  });
});
