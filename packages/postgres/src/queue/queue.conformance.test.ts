import { startPostgresServer } from '@worldkit/test-servers';
import { describeQueueConformance } from '@worldkit/testing';
import { afterAll, beforeAll } from 'vitest';
import { postgresQueue } from '../providers.js';

let server: Awaited<ReturnType<typeof startPostgresServer>>;
beforeAll(async () => {
  server = await startPostgresServer();
});
afterAll(async () => {
  await server?.stop();
});

/** Small, so the suite can check that the declared limit is reached and never exceeded. */
const CONCURRENCY = 4;
let schemaCounter = 0;

// Tests run concurrently and each expects an empty queue: every provider gets its own schema.
describeQueueConformance({
  name: '@worldkit/postgres',
  create: () =>
    postgresQueue({
      connectionString: server.url,
      schema: `queue_test_${++schemaCounter}`,
      concurrency: CONCURRENCY,
      pollIntervalMs: 200,
    }),
});
