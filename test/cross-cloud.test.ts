import { createWorld } from '@worldkit/core';
import { postgresStorage, postgresStreamer } from '@worldkit/postgres';
import { sqsQueue } from '@worldkit/sqs';
import {
  type RunningFauxqs,
  type RunningServer,
  startFauxqs,
  startPostgresServer,
} from '@worldkit/test-servers';
import { describeWorldConformance, silentLogger } from '@worldkit/testing';
import { afterAll, beforeAll } from 'vitest';

/**
 * The RDS-without-DynamoDB user: PostgreSQL storage and streams with an SQS queue, run
 * through the whole-World suite with real workflows. SQS's 15-minute delay limit is covered
 * by the composer's chained delays; its lack of cross-process idempotency by storage conflicts.
 */

// fauxqs accepts any credentials; set them so the SDK never probes instance metadata.
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';

let postgres: RunningServer;
let fauxqs: RunningFauxqs;
// Registered before the suite's own beforeAll, which composes the World: servers start first.
beforeAll(async () => {
  [postgres, fauxqs] = await Promise.all([startPostgresServer(), startFauxqs()]);
});
afterAll(async () => {
  await Promise.all([postgres?.stop(), fauxqs?.stop()]);
});

describeWorldConformance({
  name: 'PostgreSQL storage and streamer + SQS queue',
  create: () =>
    createWorld({
      storage: postgresStorage({ connectionString: postgres.url }),
      streamer: postgresStreamer({ connectionString: postgres.url }),
      queue: sqsQueue({
        queueName: `cross-cloud-${process.pid}-${Date.now()}`,
        setup: true,
        endpoint: fauxqs.endpoint,
        region: fauxqs.region,
        poll: true,
        closeTimeoutMs: 5_000,
      }),
      logger: silentLogger,
    }),
});
