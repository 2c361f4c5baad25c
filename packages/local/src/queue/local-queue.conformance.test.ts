import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type QueueProvider, SPECIFICATION_VERSION } from '@worldkit/core';
import { afterAll } from 'vitest';
import { describeQueueConformance } from '../../../testing/src/queue/index.js';
import { createLocalQueue } from './local-queue.js';

const CONCURRENCY = 4;
const dataDirs: string[] = [];

afterAll(async () => {
  await Promise.all(dataDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

function localProvider(dataDir: string | undefined): QueueProvider {
  return {
    slot: 'queue',
    specificationVersion: SPECIFICATION_VERSION,
    name: 'local',
    packageName: '@worldkit/local',
    capabilities: { maxDelaySeconds: null, idempotencyKeys: true, durable: dataDir !== undefined },
    create: ({ logger }) => createLocalQueue({ dataDir, concurrency: CONCURRENCY, logger }),
  };
}

describeQueueConformance({
  name: 'local (memory)',
  createProvider: () => localProvider(undefined),
  capabilities: { concurrencyLimit: CONCURRENCY, durable: false },
});

describeQueueConformance({
  name: 'local (dataDir)',
  createProvider: async () => {
    const dir = await mkdtemp(join(tmpdir(), 'worldkit-queue-'));
    dataDirs.push(dir);
    return localProvider(dir);
  },
  capabilities: { concurrencyLimit: CONCURRENCY, durable: true },
});
