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
});
