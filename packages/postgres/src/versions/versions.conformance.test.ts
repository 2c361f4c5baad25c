import { startPostgresServer } from '@worldkit/test-servers';
import { describeVersionStoreConformance } from '@worldkit/testing';
import { afterAll, beforeAll } from 'vitest';
import { postgresVersions } from '../providers.js';

let server: Awaited<ReturnType<typeof startPostgresServer>>;
beforeAll(async () => {
  server = await startPostgresServer();
});
afterAll(async () => {
  await server?.stop();
});

let schemaCounter = 0;

// The listing and promotion tests expect an empty store: each test gets its own schema.
describeVersionStoreConformance({
  name: '@worldkit/postgres',
  create: () =>
    postgresVersions({
      connectionString: server.url,
      schema: `versions_test_${++schemaCounter}`,
    }),
});
