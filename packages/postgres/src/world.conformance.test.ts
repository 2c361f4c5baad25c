import { createWorld } from '@worldkit/core';
import { startPostgresServer } from '@worldkit/test-servers';
import { describeWorldConformance } from '@worldkit/testing';
import { afterAll, beforeAll } from 'vitest';
import { postgres } from './providers.js';

let server: Awaited<ReturnType<typeof startPostgresServer>>;
// Runs before the suite's own beforeAll, which calls createWorld.
beforeAll(async () => {
  server = await startPostgresServer();
});
afterAll(async () => {
  await server?.stop();
});

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

describeWorldConformance({
  name: '@worldkit/postgres (storage, queue, streamer, versions)',
  create: () =>
    createWorld({
      ...postgres({ connectionString: server.url, pollIntervalMs: 250 }),
      logger: quiet,
    }),
});
