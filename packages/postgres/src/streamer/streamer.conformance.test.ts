import { startPostgresServer } from '@worldkit/test-servers';
import { describeStreamerConformance } from '@worldkit/testing';
import { afterAll, beforeAll } from 'vitest';
import { createPostgresStreamer } from './postgres-streamer.js';

let server: Awaited<ReturnType<typeof startPostgresServer>>;
beforeAll(async () => {
  server = await startPostgresServer();
});
afterAll(async () => {
  await server?.stop();
});

describeStreamerConformance({
  name: '@worldkit/postgres',
  createStreamer: () => createPostgresStreamer({ connectionString: server.url }),
});
