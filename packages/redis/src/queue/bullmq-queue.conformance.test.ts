import { type RunningServer, startRedisServer } from '@worldkit/test-servers';
import { describeQueueConformance } from '@worldkit/testing';
import { afterAll, beforeAll } from 'vitest';
import { bullmqQueue } from '../providers.js';

let redis: RunningServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

const CONCURRENCY = 4;
let providers = 0;

describeQueueConformance({
  name: 'bullmq',
  // Tests run concurrently on one server; each provider gets a key prefix of its own.
  create: () =>
    bullmqQueue({
      url: redis.url,
      prefix: `qc${++providers}`,
      concurrency: CONCURRENCY,
      closeTimeoutMs: 5_000,
    }),
});
