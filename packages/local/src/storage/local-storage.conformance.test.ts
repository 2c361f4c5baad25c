import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeStorageConformance } from '@worldkit/testing';
import { afterAll } from 'vitest';
import { localStorage } from '../providers.js';

// The local storage declares every capability: it must satisfy the whole suite.
const dataDirs: string[] = [];
afterAll(async () => {
  await Promise.all(dataDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describeStorageConformance({
  name: '@worldkit/local (memory)',
  create: () => localStorage({ memory: true }),
});

describeStorageConformance({
  name: '@worldkit/local (dataDir journal)',
  create: () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'worldkit-local-conformance-'));
    dataDirs.push(dataDir);
    return localStorage({ dataDir });
  },
});
