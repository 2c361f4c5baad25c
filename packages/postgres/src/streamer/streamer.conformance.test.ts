import { startPostgresServer } from '@worldkit/test-servers';
import { describeStreamerConformance } from '@worldkit/testing';
import { afterAll, beforeAll } from 'vitest';
import { postgresStreamer } from '../providers.js';

let server: Awaited<ReturnType<typeof startPostgresServer>>;
beforeAll(async () => {
  server = await startPostgresServer();
});
afterAll(async () => {
  await server?.stop();
});

describeStreamerConformance({
  name: '@worldkit/postgres',
  create: () => postgresStreamer({ connectionString: server.url }),
});
