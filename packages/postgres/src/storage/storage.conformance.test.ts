import { startPostgresServer } from '@worldkit/test-servers';
import { describeStorageConformance } from '@worldkit/testing';
import { afterAll, beforeAll } from 'vitest';
import { postgresStorage } from '../providers.js';

let server: Awaited<ReturnType<typeof startPostgresServer>>;
beforeAll(async () => {
  server = await startPostgresServer();
});
afterAll(async () => {
  await server?.stop();
});

// One database for the whole file: the suite scopes its data by unique ids, so tests share it.
describeStorageConformance({
  name: '@worldkit/postgres',
  create: () => postgresStorage({ connectionString: server.url }),
});
