import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ComposedWorld, createWorld } from '@worldkit/core';
import { loadWorldConfig } from '@worldkit/core/target-world';
import {
  type RunningDynamoDbLocal,
  type RunningFauxqs,
  type RunningServer,
  startDynamoDbLocal,
  startFauxqs,
  startRedisServer,
} from '@worldkit/test-servers';
import { describeWorldConformance, silentLogger } from '@worldkit/testing';
import { afterAll, beforeAll } from 'vitest';

/**
 * The example's own world.config.ts, unchanged (its DynamoDB backend), against DynamoDB Local, fauxqs (SQS) and
 * redis-server on 127.0.0.1, configured only through the environment variables the deploy
 * guide lists. Deliveries go over signed HTTP to the suite's app server, whose address is
 * registered as the version's address — the Next.js deployment's role.
 */
const CONFIG = join(dirname(fileURLToPath(import.meta.url)), '..', 'world.config.ts');

let dynamodb: RunningDynamoDbLocal;
let fauxqs: RunningFauxqs;
let redis: RunningServer;
beforeAll(async () => {
  [dynamodb, fauxqs, redis] = await Promise.all([
    startDynamoDbLocal(),
    startFauxqs(),
    startRedisServer(),
  ]);
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    WORLD_BACKEND: 'dynamodb',
    WORLDKIT_DYNAMODB_TABLE: 'workflows',
    WORLDKIT_DYNAMODB_ENDPOINT: dynamodb.endpoint,
    WORLDKIT_SQS_QUEUE_NAME: `workflows-${process.pid}`,
    WORLDKIT_SQS_SETUP: 'true',
    WORLDKIT_SQS_ENDPOINT: fauxqs.endpoint,
    WORLDKIT_REDIS_URL: redis.url,
    WORLDKIT_DISPATCH_SECRET: randomBytes(32).toString('hex'),
    WORLDKIT_DEPLOYMENT_ID: 'vers_local_emulators',
  });
}, 120_000);
afterAll(async () => {
  await Promise.all([dynamodb?.stop(), fauxqs?.stop(), redis?.stop()]);
});

describeWorldConformance({
  name: 'examples/nextjs-aws config (WORLD_BACKEND=dynamodb): DynamoDB + SQS + Redis streams + signed HTTP dispatch',
  // DynamoDB Local (Java over SQLite) answers in tens of milliseconds under load: fewer runs, more time.
  concurrentRuns: 20,
  timeoutMs: 120_000,
  create: ({ baseUrl }) => {
    const world: ComposedWorld = createWorld({ ...loadWorldConfig(CONFIG), logger: silentLogger });
    const startWorld = world.start;
    // What `worldkit setup` and the deploy step do: create the table, register this version's address.
    world.start = async () => {
      await world.worldkit.storage.setup?.();
      await world.worldkit.versions.create({ id: world.worldkit.deploymentId, address: baseUrl });
      await startWorld();
    };
    return world;
  },
});
