import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeStorageConformance } from '@worldkit/testing';
import { createLocalStorage } from './local-storage.js';

// Every capability stays on: the local storage must satisfy the whole suite.

describeStorageConformance({
  name: '@worldkit/local (memory)',
  createStorage: () => createLocalStorage({}),
});

describeStorageConformance({
  name: '@worldkit/local (dataDir journal)',
  createStorage: async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'worldkit-local-conformance-'));
    const storage = createLocalStorage({ dataDir });
    return {
      ...storage,
      async close() {
        await storage.close?.();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  },
});
