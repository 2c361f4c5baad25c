import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeQueueConformance } from '@worldkit/testing';
import { afterAll } from 'vitest';
import { localQueue } from '../providers.js';

/** Small, so the suite can check that the declared limit is reached and never exceeded. */
const CONCURRENCY = 4;
const dataDirs: string[] = [];

afterAll(async () => {
  await Promise.all(dataDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describeQueueConformance({
  name: 'local (memory)',
  create: () => localQueue({ memory: true, concurrency: CONCURRENCY }),
});

describeQueueConformance({
  name: 'local (dataDir)',
  // A fresh directory per test; the durability tests restart on the same provider object.
  create: () => {
    const dir = mkdtempSync(join(tmpdir(), 'worldkit-queue-'));
    dataDirs.push(dir);
    return localQueue({ dataDir: dir, concurrency: CONCURRENCY });
  },
});
