import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONNECTION_TIMEOUT_MS, resolvePostgresSettings } from '../settings.js';
import { acquireConnection } from './shared-pool.js';

// A server that accepts TCP connections and never answers: what a client sees when a
// failover or a firewall change swallows packets instead of refusing the connection.
let silent: Server;
let port: number;
const sockets = new Set<Socket>();
beforeAll(async () => {
  silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  port = (silent.address() as { port: number }).port;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

describe('connection timeout', () => {
  it('defaults to a bounded wait, overridable through pool options', () => {
    const base = { connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` };
    expect(DEFAULT_CONNECTION_TIMEOUT_MS).toBe(10_000);
    expect(resolvePostgresSettings(base).sizing.connectionTimeoutMs).toBeUndefined();
    expect(resolvePostgresSettings({ ...base, pool: { connectionTimeoutMs: 250 } }).sizing).toEqual(
      { connectionTimeoutMs: 250 },
    );
    expect(() =>
      resolvePostgresSettings({ ...base, pool: { connectionTimeoutMs: -1 } }),
    ).toThrowError(/pool.*connectionTimeoutMs/s);
  });

  it('fails a query against a server that never answers instead of hanging', async () => {
    const connection = acquireConnection(
      resolvePostgresSettings({
        connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`,
        schema: 'silent_server',
        pool: { connectionTimeoutMs: 300 },
      }),
    );
    const startedAt = Date.now();
    await expect(connection.ready()).rejects.toThrowError(/timeout/i);
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    // close() is bounded too: nothing is left waiting on the silent socket.
    await connection.release();
  });
});
