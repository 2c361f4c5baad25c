import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ComposedWorld,
  createWorld,
  encodeMessage,
  type QueueEnvelope,
  type RuntimeQueueHandler,
  type WorldConfig,
} from '@worldkit/core';
import { dynamodbVersions } from '@worldkit/dynamodb';
import { httpCompute, signDelivery } from '@worldkit/http';
import { local } from '@worldkit/local';
import { postgresVersions } from '@worldkit/postgres';
import { redisStreamer } from '@worldkit/redis';
import {
  type RunningDynamoDbLocal,
  type RunningServer,
  startDynamoDbLocal,
  startPostgresServer,
  startRedisServer,
} from '@worldkit/test-servers';
import { recordingLogger, silentLogger } from '@worldkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A delivery captured on the network (a proxy log, a compromised hop) stays valid for the
// signature's tolerance window. The receiving apps claim each delivery in the World's durable
// backend, so the copy is refused by every other instance and after a restart, not only by the
// process that accepted it.

const SECRET = 'replay-across-instances-secret-0123456789';
const VERSION = 'vers_replay';
const STEP_PREFIX = '__wkf_step_';

let postgres: RunningServer;
let redis: RunningServer;
let dynamo: RunningDynamoDbLocal;
beforeAll(async () => {
  // One at a time: a busy machine starts each sooner alone.
  postgres = await startPostgresServer();
  redis = await startRedisServer();
  dynamo = await startDynamoDbLocal();
  // DynamoDB Local accepts any credentials; fixed ones keep the SDK from probing IMDS.
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
}, 240_000);
const dataDir = mkdtempSync(join(tmpdir(), 'worldkit-replays-'));
afterAll(async () => {
  await Promise.all([postgres?.stop(), redis?.stop(), dynamo?.stop()]);
  rmSync(dataDir, { recursive: true, force: true });
});

let sequence = 0;
/** A signed delivery as the dispatcher sends it, captured: it can be sent again as is. */
function capturedDelivery() {
  sequence += 1;
  const envelope: QueueEnvelope = {
    format: 1,
    messageId: `msg_${Date.now()}_${sequence}`,
    queueName: '__wkf_step_add',
    deploymentId: VERSION,
    body: encodeMessage({ n: sequence }),
    attempt: 1,
    failures: 0,
    notBefore: 0,
    createdAt: 0,
  };
  const body = JSON.stringify(envelope);
  const headers = {
    'content-type': 'application/json',
    ...signDelivery(
      SECRET,
      { timestamp: Math.floor(Date.now() / 1000), messageId: envelope.messageId, attempt: 1 },
      body,
    ),
  };
  return () =>
    new Request('http://app.test/.well-known/workflow/v1/step', {
      method: 'POST',
      headers,
      body,
    });
}

/** One app instance: its own World (own process state), composed from the shared config. */
function appInstance(config: () => Partial<WorldConfig>) {
  const world = createWorld({
    ...local({ memory: true }),
    logger: silentLogger,
    ...config(),
    deploymentId: VERSION,
    compute: httpCompute({ secret: SECRET }),
  } as WorldConfig);
  const runs: string[] = [];
  const handler: RuntimeQueueHandler = async (_message, meta) => {
    runs.push(meta.messageId);
  };
  world.worldkit.compute.register(VERSION, STEP_PREFIX, handler);
  return {
    world,
    runs,
    async send(request: Request) {
      const response = await world.worldkit.compute.handleRequest!(STEP_PREFIX, handler, request);
      const body = (await response.json()) as { rejected?: string };
      return { status: response.status, rejected: body.rejected };
    },
  };
}

const backends: Array<[string, () => Partial<WorldConfig>]> = [
  [
    'PostgreSQL (version store)',
    () => ({ versions: postgresVersions({ connectionString: postgres.url, schema: 'replays' }) }),
  ],
  ['Redis (streamer)', () => ({ streamer: redisStreamer({ url: redis.url, prefix: 'replays' }) })],
  [
    // One process owns a data directory, so its instances share the claims in memory; the
    // file keeps them across restarts (packages/local/src/claims/local-claims.test.ts).
    'a local data directory (version store)',
    () => ({ versions: local({ dataDir }).versions }),
  ],
  [
    'DynamoDB (version store)',
    () => ({
      versions: dynamodbVersions({
        table: 'worldkit_replays',
        region: 'us-east-1',
        endpoint: dynamo.endpoint,
      }),
    }),
  ],
];

describe.each(backends)('replay protection shared through %s', (_name, config) => {
  const opened: ComposedWorld[] = [];
  const instance = () => {
    const app = appInstance(config);
    opened.push(app.world);
    return app;
  };
  afterAll(async () => {
    for (const world of opened) await world.close();
  });

  it('a delivery accepted by instance A is refused by instance B', async () => {
    const a = instance();
    const b = instance();
    const request = capturedDelivery();

    expect(await a.send(request())).toEqual({ status: 200, rejected: undefined });
    expect(await b.send(request())).toEqual({ status: 409, rejected: 'replayed' });
    expect(await a.send(request())).toEqual({ status: 409, rejected: 'replayed' });
    expect(a.runs).toHaveLength(1);
    expect(b.runs).toHaveLength(0);
  });

  it('a delivery accepted before a restart is refused after it', async () => {
    const before = instance();
    const request = capturedDelivery();
    expect((await before.send(request())).status).toBe(200);
    await before.world.close();

    const after = instance();
    expect(await after.send(request())).toEqual({ status: 409, rejected: 'replayed' });
    expect(after.runs).toHaveLength(0);
    // Another delivery still goes through: only the replay is refused.
    expect((await after.send(capturedDelivery()())).status).toBe(200);
  });

  it('of concurrent copies sent to several instances, exactly one runs', async () => {
    const apps = [instance(), instance(), instance()];
    const request = capturedDelivery();
    const answers = await Promise.all(
      apps.flatMap((app) => [app.send(request()), app.send(request())]),
    );
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
    expect(answers.filter((answer) => answer.rejected === 'replayed')).toHaveLength(5);
    expect(apps.flatMap((app) => app.runs)).toHaveLength(1);
  });
});

describe('a World without a durable claim store', () => {
  it('falls back to per-process memory and warns once', async () => {
    const logger = recordingLogger();
    const { lines } = logger;
    const world = createWorld({
      ...local({ memory: true }),
      logger,
      deploymentId: VERSION,
      compute: httpCompute({ secret: SECRET }),
    });
    const handler: RuntimeQueueHandler = async () => undefined;
    world.worldkit.compute.register(VERSION, STEP_PREFIX, handler);
    const send = (request: Request) =>
      world.worldkit.compute.handleRequest!(STEP_PREFIX, handler, request);
    try {
      const request = capturedDelivery();
      expect((await send(request())).status).toBe(200);
      expect((await send(request())).status).toBe(409);
      expect((await send(capturedDelivery()())).status).toBe(200);

      const warnings = lines.filter(
        (line) => line.level === 'warn' && /replay protection is per process/.test(line.message),
      );
      expect(warnings).toHaveLength(1);
    } finally {
      await world.close();
    }
  });

  it("says nothing when memory is chosen with replayCache: 'memory'", async () => {
    const logger = recordingLogger();
    const { lines } = logger;
    const world = createWorld({
      ...local({ memory: true }),
      logger,
      deploymentId: VERSION,
      compute: httpCompute({ secret: SECRET, replayCache: 'memory' }),
    });
    const handler: RuntimeQueueHandler = async () => undefined;
    world.worldkit.compute.register(VERSION, STEP_PREFIX, handler);
    try {
      const request = capturedDelivery();
      const first = await world.worldkit.compute.handleRequest!(STEP_PREFIX, handler, request());
      expect(first.status).toBe(200);
      expect(lines.filter((line) => /replay protection/.test(line.message))).toEqual([]);
    } finally {
      await world.close();
    }
  });
});
