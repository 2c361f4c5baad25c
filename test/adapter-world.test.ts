import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalWorld } from '@workflow/world-local';
import { createWorld, fromWorld } from '@worldkit/core';
import { localQueue } from '@worldkit/local';
import { describeWorldConformance } from '@worldkit/testing';
import { afterAll } from 'vitest';

const dataDirs: string[] = [];
const tempDataDir = () => {
  const directory = mkdtempSync(join(tmpdir(), 'worldkit-adapter-'));
  dataDirs.push(directory);
  return directory;
};
afterAll(() => {
  for (const directory of dataDirs) rmSync(directory, { recursive: true, force: true });
});

// An existing World keeps two slots while Worldkit supplies the queue and in-process compute.
describeWorldConformance({
  name: '@workflow/world-local storage and streamer (fromWorld) + @worldkit/local memory queue',
  create: () => {
    const worldLocal = fromWorld({
      name: 'world-local',
      packageName: '@workflow/world-local',
      world: () => createLocalWorld({ dataDir: tempDataDir() }),
    });
    const storage = worldLocal.storage();
    // world-local writes a resilient start's run_started before run_created (see the storage
    // suite): the storage provider declares it, and the suite reads the declaration.
    const capabilities = { ...storage.capabilities, orderedResilientStart: false };
    return createWorld({
      storage: { ...storage, capabilities },
      streamer: worldLocal.streamer(),
      queue: localQueue({ memory: true }),
    });
  },
});

// The reference World on its own, delivering over HTTP to the suite's server: shows that the
// suite asks for what the Workflow SDK's own World does, not for Worldkit's reading of it.
// (A World not composed by createWorld declares no capabilities: the suite then accepts either
// order of run_created and run_started, leaving the order to the storage suite.)
describeWorldConformance({
  name: 'reference: @workflow/world-local as-is, delivering over HTTP',
  create: ({ baseUrl }) => createLocalWorld({ dataDir: tempDataDir(), baseUrl }),
});
