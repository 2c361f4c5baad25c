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
  // world-local writes a resilient start's run_started before run_created (see the storage suite).
  orderedResilientStart: false,
  createWorld: () => {
    const worldLocal = fromWorld({
      name: 'world-local',
      packageName: '@workflow/world-local',
      world: () => createLocalWorld({ dataDir: tempDataDir() }),
    });
    return createWorld({
      storage: worldLocal.storage(),
      streamer: worldLocal.streamer(),
      queue: localQueue({ memory: true }),
    });
  },
});

// The reference World on its own, delivering over HTTP to the suite's server: shows that the
// suite asks for what the Workflow SDK's own World does, not for Worldkit's reading of it.
describeWorldConformance({
  name: 'reference: @workflow/world-local as-is, delivering over HTTP',
  orderedResilientStart: false,
  createWorld: ({ baseUrl }) => createLocalWorld({ dataDir: tempDataDir(), baseUrl }),
});
