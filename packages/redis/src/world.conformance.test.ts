import { createWorld } from '@worldkit/core';
import { localStorage } from '@worldkit/local';
import { type RunningServer, startRedisServer } from '@worldkit/test-servers';
import { describeWorldConformance } from '@worldkit/testing';
import { afterAll, beforeAll } from 'vitest';
import { bullmqQueue, redisStreamer } from './providers.js';

let redis: RunningServer;
// Runs before the suite's own beforeAll, which composes the World.
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

describeWorldConformance({
  name: '@worldkit/redis queue and streamer (local memory storage)',
  create: () =>
    createWorld({
      storage: localStorage({ memory: true }),
      queue: bullmqQueue({ url: redis.url, prefix: 'world' }),
      streamer: redisStreamer({ url: redis.url, prefix: 'world' }),
      logger: quiet,
    }),
});
