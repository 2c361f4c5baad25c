import { type RunningServer, startRedisServer } from '@worldkit/test-servers';
import { describeStreamerConformance } from '@worldkit/testing';
import { afterAll, beforeAll } from 'vitest';
import { redisStreamer } from '../providers.js';

let redis: RunningServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

describeStreamerConformance({
  name: 'redis',
  create: () => redisStreamer({ url: redis.url, prefix: 'sc' }),
});
