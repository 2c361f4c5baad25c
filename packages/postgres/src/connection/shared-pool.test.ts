import { startPostgresServer } from '@worldkit/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePostgresSettings } from '../settings.js';
import { loadMigrations } from './migrate.js';
import { acquireConnection } from './shared-pool.js';

let server: Awaited<ReturnType<typeof startPostgresServer>>;
beforeAll(async () => {
  server = await startPostgresServer();
});
afterAll(async () => {
  await server?.stop();
});

describe('shared pool', () => {
  it('gives every part with the same URL and schema one pool, ended by the last release', async () => {
    const settings = resolvePostgresSettings({ connectionString: server.url, schema: 'shared_a' });
    const storage = acquireConnection(settings);
    const streamer = acquireConnection(settings);
    const otherSchema = acquireConnection({ ...settings, schema: 'shared_b' });
    expect(streamer.pool).toBe(storage.pool);
    expect(otherSchema.pool).not.toBe(storage.pool);

    await Promise.all([storage.ready(), streamer.ready()]);
    await storage.pool.query('SELECT 1');
    await storage.release();
    // Still in use by the streamer.
    await expect(streamer.pool.query('SELECT 1')).resolves.toBeTruthy();
    await streamer.release();
    expect((storage.pool as unknown as { ended: boolean }).ended).toBe(true);
    await otherSchema.release();

    // A later acquire opens a fresh pool rather than reusing the ended one.
    const again = acquireConnection(settings);
    expect(again.pool).not.toBe(storage.pool);
    await again.ready();
    await again.release();
  });

  it('runs migrate() once per pool however many parts ask', async () => {
    const settings = resolvePostgresSettings({
      connectionString: server.url,
      schema: 'shared_once',
    });
    const parts = Array.from({ length: 4 }, () => acquireConnection(settings));
    await Promise.all(parts.map((part) => part.ready()));
    const recorded = await parts[0].pool.query(
      'SELECT count(*)::int AS n FROM shared_once.schema_migrations',
    );
    // Each shipped migration recorded exactly once, not once per part.
    expect(recorded.rows[0].n).toBe(loadMigrations().length);
    for (const part of parts) await part.release();
  });

  it('shares one LISTEN connection between subscribers and delivers NOTIFY payloads', async () => {
    const settings = resolvePostgresSettings({
      connectionString: server.url,
      schema: 'shared_listen',
    });
    const part = acquireConnection(settings);
    const hub = part.notifications();
    const sibling = acquireConnection(settings);
    expect(sibling.notifications()).toBe(hub);
    const heard: string[] = [];
    const stopFirst = await hub.subscribe('worldkit_test_channel', (payload) =>
      heard.push(`a:${payload}`),
    );
    const stopSecond = await hub.subscribe('worldkit_test_channel', (payload) =>
      heard.push(`b:${payload}`),
    );
    await part.pool.query(`SELECT pg_notify('worldkit_test_channel', 'hello')`);
    await expect.poll(() => heard.sort()).toEqual(['a:hello', 'b:hello']);
    const listeners = await part.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'LISTEN%'`,
    );
    expect(listeners.rows[0].n).toBe(1);
    await stopFirst();
    await stopSecond();
    await sibling.release();
    await part.release();
  });
});
