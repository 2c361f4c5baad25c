import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startPostgresServer } from './postgres-server.js';
import { startRedisServer } from './redis-server.js';

function ping(port: number, payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(payload));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString());
    });
    socket.once('error', reject);
  });
}

describe('local servers for tests', () => {
  it('starts redis-server on 127.0.0.1, answers PING, and stops by PID', async () => {
    const redis = await startRedisServer();
    expect(redis.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(await ping(redis.port, 'PING\r\n')).toBe('+PONG\r\n');
    await redis.stop();
    expect(() => process.kill(redis.pid, 0)).toThrow();
  });

  it('starts a PostgreSQL cluster on 127.0.0.1 and stops it by PID', async () => {
    const postgres = await startPostgresServer();
    // An SSLRequest packet: a live server answers with a single byte, 'N' or 'S'.
    const request = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
    const answer = await ping(postgres.port, request as unknown as string);
    expect(['N', 'S']).toContain(answer);
    await postgres.stop();
    expect(() => process.kill(postgres.pid, 0)).toThrow();
  });

  it('stops redis-server by PID and starts it again on the same port with its keys', async () => {
    const redis = await startRedisServer();
    try {
      expect(await ping(redis.port, '*3\r\n$3\r\nSET\r\n$4\r\nkept\r\n$3\r\nyes\r\n')).toBe(
        '+OK\r\n',
      );
      const firstPid = redis.pid;
      await redis.stopServer();
      expect(() => process.kill(firstPid, 0)).toThrow();
      await expect(ping(redis.port, 'PING\r\n')).rejects.toThrow(/ECONNREFUSED/);
      await redis.startAgain();
      expect(redis.pid).not.toBe(firstPid);
      expect(await ping(redis.port, '*2\r\n$3\r\nGET\r\n$4\r\nkept\r\n')).toBe('$3\r\nyes\r\n');
    } finally {
      await redis.stop();
    }
  });

  it('stops PostgreSQL by PID and starts it again on the same port and data directory', async () => {
    const postgres = await startPostgresServer();
    try {
      const firstPid = postgres.pid;
      await postgres.stopServer();
      expect(() => process.kill(firstPid, 0)).toThrow();
      const request = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
      await expect(ping(postgres.port, request as unknown as string)).rejects.toThrow(
        /ECONNREFUSED/,
      );
      await postgres.startAgain();
      expect(postgres.pid).not.toBe(firstPid);
      expect(['N', 'S']).toContain(await ping(postgres.port, request as unknown as string));
    } finally {
      await postgres.stop();
    }
    expect(() => process.kill(postgres.pid, 0)).toThrow();
  });
});
