import { type RunningServer, startRedisServer } from '@worldkit/test-servers';
import { describeStreamerConformance } from '@worldkit/testing';
import { afterAll, beforeAll } from 'vitest';
import { createRedisStreamer } from './redis-streamer.js';

let redis: RunningServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

describeStreamerConformance({
  name: 'redis',
  createStreamer: () => createRedisStreamer({ url: redis.url, prefix: 'sc' }),
});
