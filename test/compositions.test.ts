import { createWorld } from '@worldkit/core';
import { postgresStorage } from '@worldkit/postgres';
import { bullmqQueue, redisStreamer } from '@worldkit/redis';
import { type RunningServer, startPostgresServer, startRedisServer } from '@worldkit/test-servers';
import { describeWorldConformance } from '@worldkit/testing';
import { afterAll, beforeAll } from 'vitest';

/**
 * Compositions that mix packages, run through the whole-World suite with real workflows.
 * (PostgreSQL alone is covered in packages/postgres, local storage with the Redis parts in
 * packages/redis.)
 */

let postgres: RunningServer;
let redis: RunningServer;
// Registered before the suite's own beforeAll, which composes the World: servers start first.
beforeAll(async () => {
  [postgres, redis] = await Promise.all([startPostgresServer(), startRedisServer()]);
});
afterAll(async () => {
  await Promise.all([postgres?.stop(), redis?.stop()]);
});

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

describeWorldConformance({
  name: 'PostgreSQL storage + BullMQ queue + Redis streamer',
  create: () =>
    createWorld({
      storage: postgresStorage({ connectionString: postgres.url }),
      queue: bullmqQueue({ url: redis.url, prefix: 'compositions' }),
      streamer: redisStreamer({ url: redis.url, prefix: 'compositions' }),
      logger: quiet,
    }),
});
