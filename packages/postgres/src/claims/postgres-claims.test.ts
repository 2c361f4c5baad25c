import { startPostgresServer } from '@worldkit/test-servers';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lazyConnection } from '../connection/shared-pool.js';
import { resolvePostgresSettings } from '../settings.js';
import { createPostgresClaims, PURGE_INTERVAL_MS } from './postgres-claims.js';

let server: Awaited<ReturnType<typeof startPostgresServer>>;
let pool: pg.Pool;
let connection: ReturnType<typeof lazyConnection>;
beforeAll(async () => {
  server = await startPostgresServer();
  pool = new pg.Pool({ connectionString: server.url, max: 2 });
  connection = lazyConnection(
    resolvePostgresSettings({ connectionString: server.url, schema: 'claims_test' }),
  );
});
afterAll(async () => {
  await connection?.close();
  await pool?.end();
  await server?.stop();
});

const rows = async () =>
  (
    await pool.query<{ claim_key: string }>(
      'SELECT claim_key FROM claims_test.claims ORDER BY claim_key',
    )
  ).rows.map((row) => row.claim_key);

describe('PostgreSQL claims', () => {
  it('the first claim of a key wins until it expires; then the key can be claimed again', async () => {
    const claims = createPostgresClaims(() => connection.ready());
    const future = Date.now() + 60_000;
    expect(await claims.claimOnce('delivery:a#1', future)).toBe(true);
    expect(await claims.claimOnce('delivery:a#1', future)).toBe(false);
    expect(await claims.claimOnce('delivery:a#2', future)).toBe(true);

    expect(await claims.claimOnce('delivery:expired#1', Date.now() - 1_000)).toBe(true);
    expect(await claims.claimOnce('delivery:expired#1', future)).toBe(true);
    expect(await claims.claimOnce('delivery:expired#1', future)).toBe(false);
  });

  it('exactly one of many concurrent claims of a key wins', async () => {
    const claims = createPostgresClaims(() => connection.ready());
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => claims.claimOnce('delivery:race#1', Date.now() + 60_000)),
    );
    expect(answers.filter(Boolean)).toHaveLength(1);
  });

  it('deletes expired claims in the background, at most once a minute per process', async () => {
    let now = Date.now();
    const claims = createPostgresClaims(
      () => connection.ready(),
      () => now,
    );
    await claims.claimOnce('delivery:stale#1', Date.now() - 1_000);
    await claims.claimOnce('delivery:fresh#1', Date.now() + 60_000);
    expect(await rows()).toContain('delivery:stale#1');

    now += PURGE_INTERVAL_MS;
    await claims.claimOnce('delivery:trigger#1', Date.now() + 60_000);
    const deadline = Date.now() + 20_000;
    while ((await rows()).includes('delivery:stale#1') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const left = await rows();
    expect(left).not.toContain('delivery:stale#1');
    expect(left).toContain('delivery:fresh#1');
    expect(left).toContain('delivery:trigger#1');
  });
});
