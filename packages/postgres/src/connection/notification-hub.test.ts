import { type RestartableServer, startPostgresServer } from '@worldkit/test-servers';
import { recordingLogger } from '@worldkit/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotificationHub } from './notification-hub.js';

let server: RestartableServer;
beforeAll(async () => {
  server = await startPostgresServer();
});
afterAll(async () => {
  await server?.stop();
});

async function until(done: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('notification hub through a database restart', () => {
  it('reconnects, wakes its listeners, and reports the outage once', async () => {
    const pool = new pg.Pool({ connectionString: server.url, connectionTimeoutMillis: 2_000 });
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    const logger = recordingLogger();
    const hub = new NotificationHub(pool).reportTo(logger);
    const payloads: string[] = [];
    const unsubscribe = await hub.subscribe('hub_test', (payload) => payloads.push(payload));
    try {
      await pool.query(`SELECT pg_notify('hub_test', 'before')`);
      await until(() => payloads.includes('before'), 'the first notification');

      await server.stopServer();
      // Several reconnect attempts fail while the server is down (one every 500 ms).
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      await server.startAgain();

      // After the reconnect a listener hears '' (look again) and, later, new notifications.
      await until(async () => {
        await pool.query(`SELECT pg_notify('hub_test', 'after')`).catch(() => undefined);
        return payloads.includes('after');
      }, 'a notification after the restart');
      expect(payloads).toContain('');
      await until(() => logger.lines.some((line) => line.level === 'info'), 'the recovery line');

      const loud = logger.lines.filter((line) => line.level === 'warn' || line.level === 'error');
      expect(loud.map((line) => line.message)).toEqual([
        'PostgreSQL LISTEN connection is unreachable; retrying until it is back (further failures are logged at debug level)',
      ]);
      const info = logger.lines.filter((line) => line.level === 'info');
      expect(info.map((line) => line.message)).toEqual([
        'PostgreSQL LISTEN connection is reachable again',
      ]);
      expect(info[0]?.details?.failedOperations).toBeGreaterThan(1);
    } finally {
      await unsubscribe();
      await hub.close();
      await pool.end();
    }
  }, 60_000);
});
