import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLocalWorld } from '@workflow/world-local';
import { SPECIFICATION_VERSION, type StreamerProvider } from '@worldkit/core';
import { afterAll } from 'vitest';
import type { StreamerUnderTest } from './conformance-options.js';
import { describeStreamerConformance } from './index.js';

/**
 * Runs the suite against the reference implementation, `@workflow/world-local`'s streamer, so a
 * test that the reference fails is a question about the suite, not about a provider.
 */
const tempDirs: string[] = [];
afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

function worldLocalStreamerInstance(): StreamerUnderTest {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'worldkit-reference-streamer-'));
  tempDirs.push(dataDir);
  const world = createLocalWorld({ dataDir });
  return {
    writeToStream: (name, runId, chunk) => world.writeToStream(name, runId, chunk),
    writeToStreamMulti: (name, runId, chunks) => world.writeToStreamMulti!(name, runId, chunks),
    closeStream: (name, runId) => world.closeStream(name, runId),
    readFromStream: (name, startIndex) => world.readFromStream(name, startIndex),
    listStreamsByRunId: (runId) => world.listStreamsByRunId(runId),
    getStreamChunks: (name, runId, options) => world.getStreamChunks(name, runId, options),
    getStreamInfo: (name, runId) => world.getStreamInfo(name, runId),
    close: () => world.close?.() ?? Promise.resolve(),
  };
}

/** world-local's streamer as a provider. */
function worldLocalStreamer(): StreamerProvider {
  return {
    slot: 'streamer',
    specificationVersion: SPECIFICATION_VERSION,
    name: 'world-local',
    packageName: '@workflow/world-local',
    capabilities: { liveTailing: true, durable: true },
    create: worldLocalStreamerInstance,
  };
}

describeStreamerConformance({
  name: 'world-local (reference)',
  create: worldLocalStreamer,
  // Where world-local 4.4.1 departs from the Streamer doc comments in @workflow/world 4.5.0.
  knownGaps: {
    'ends with nothing when the index is at or past the end of a closed stream':
      'world-local never ends a reader that starts past the close marker',
    'defaults to pages of 100 and caps the limit at 1000':
      'world-local does not cap the page size at 1000',
    'a positive start beyond the current end waits for that chunk':
      'world-local delivers live chunks without checking them against startIndex',
  },
});
