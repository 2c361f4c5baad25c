import * as workflowErrors from '@workflow/errors';
import type { Storage } from '@workflow/world';
import {
  createReceiver,
  createWorld,
  encodeMessage,
  inProcessCompute,
  type QueueEnvelope,
} from '@worldkit/core';
import { dynamodb, dynamodbStorage, dynamodbVersions } from '@worldkit/dynamodb';
import { httpCompute } from '@worldkit/http';
import { local, localQueue, localStorage, localStreamer, localVersions } from '@worldkit/local';
import {
  postgres,
  postgresQueue,
  postgresStorage,
  postgresStreamer,
  postgresVersions,
} from '@worldkit/postgres';
import { bullmqQueue, redisStreamer } from '@worldkit/redis';
import { sqsQueue } from '@worldkit/sqs';
import { silentLogger, testProviderContext } from '@worldkit/testing';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

// Generated bad input against each part: every case must end in a typed error (or a
// dead-letter outcome), never an untyped crash, and leave stored data readable.
const CONFIG_ERRORS = new Set([
  'WorldkitConfigError',
  'ProviderVersionError',
  'MissingCapabilityError',
]);
const WORLD_ERRORS = new Set(
  (Object.values(workflowErrors) as unknown[])
    .filter((value): value is new (...args: never[]) => Error => typeof value === 'function')
    .map((errorClass) => errorClass.name),
);

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('bad input is rejected with typed errors', () => {
  it('2,000 generated configs: createWorld either composes or throws one of the config errors', () => {
    const parts = local({ memory: true });
    const slotValue = fc.oneof(
      fc.anything(),
      fc.constantFrom(parts.storage, parts.queue, parts.streamer, parts.versions),
      fc.record({
        slot: fc.constantFrom('storage', 'queue', 'streamer', 'versions', 'compute', 'nope'),
        specificationVersion: fc.oneof(fc.constant('v1'), fc.string()),
        name: fc.string(),
        packageName: fc.string(),
        capabilities: fc.dictionary(fc.string(), fc.anything()),
        create: fc.constant(() => ({})),
      }),
    );
    const config = fc.record(
      {
        storage: slotValue,
        queue: slotValue,
        streamer: slotValue,
        versions: slotValue,
        deploymentId: fc.oneof(fc.string(), fc.anything()),
        delivery: fc.anything(),
        extra: fc.anything(),
      },
      { requiredKeys: [] },
    );
    const outcomes = { composed: 0, rejected: 0 };
    fc.assert(
      fc.property(config, (candidate) => {
        const error = thrownBy(() => createWorld(candidate as never));
        if (error === undefined) {
          outcomes.composed++;
          return;
        }
        outcomes.rejected++;
        expect(error).toBeInstanceOf(Error);
        expect(CONFIG_ERRORS).toContain((error as Error).name);
        // One line per problem, each naming a key.
        for (const line of (error as Error).message.split('\n').slice(1)) {
          expect(line).toMatch(/^ {2}- .+: expected /);
        }
      }),
      { numRuns: 2000, seed: 20261123 },
    );
    console.log(
      `configs: ${outcomes.rejected} rejected with typed errors, ${outcomes.composed} composed`,
    );
    expect(outcomes.rejected).toBeGreaterThan(1500);
  });

  it('3,000 generated queue messages: the receiver dead-letters every malformed one and never throws', async () => {
    const compute = inProcessCompute().create(testProviderContext());
    const receiver = createReceiver({
      compute,
      policy: { maxAttempts: 1, backoffBaseSeconds: 0, backoffMaxSeconds: 0 },
      maxDelaySeconds: null,
      logger: silentLogger,
    });
    const validEnvelope: QueueEnvelope = {
      format: 1,
      messageId: 'msg_fuzz',
      queueName: '__wkf_step_fuzz',
      deploymentId: 'fuzz-no-handlers',
      body: encodeMessage({ hello: 'world' }),
      attempt: 1,
      failures: 0,
      notBefore: 0,
      createdAt: 0,
    };
    const mutated = fc
      .record({
        key: fc.constantFrom(...Object.keys(validEnvelope)),
        value: fc.anything(),
        id: fc.nat(),
      })
      .map(({ key, value, id }) => ({ ...validEnvelope, messageId: `msg_${id}`, [key]: value }));
    const message = fc.oneof(
      fc.anything(),
      mutated,
      fc.string().map((body) => ({ ...validEnvelope, body })),
    );
    const counts = { deadLettered: 0, other: 0 };
    await fc.assert(
      fc.asyncProperty(message, async (raw) => {
        const outcome = await receiver(raw);
        expect(['ack', 'redeliver', 'dead-letter']).toContain(outcome.type);
        if (outcome.type === 'dead-letter') counts.deadLettered++;
        else counts.other++;
      }),
      { numRuns: 3000, seed: 20261123 },
    );
    console.log(
      `queue messages: ${counts.deadLettered} dead-lettered, ${counts.other} otherwise handled`,
    );
    // No handler is loaded for the fuzz version, so even well-formed messages end dead-lettered
    // (maxAttempts 1) or deferred by a chained delay — nothing may be silently acknowledged.
    expect(counts.deadLettered).toBeGreaterThan(2500);
  });

  it('1,000 generated events: storage answers with @workflow/errors and stays readable', async () => {
    const world = createWorld({ ...local({ memory: true }), logger: silentLogger });
    const storage: Storage = world;
    const { run } = await storage.events.create(null, {
      eventType: 'run_created',
      eventData: { deploymentId: 'local', workflowName: 'fuzz', input: new Uint8Array([1]) },
      specVersion: 3,
    } as never);
    const runId = run!.runId;
    const event = fc.record(
      {
        eventType: fc.oneof(
          fc.constantFrom(
            'run_created',
            'run_started',
            'run_completed',
            'run_failed',
            'run_cancelled',
            'step_created',
            'step_started',
            'step_completed',
            'step_failed',
            'step_retrying',
            'hook_created',
            'hook_received',
            'hook_disposed',
            'wait_created',
            'wait_completed',
          ),
          fc.string(),
        ),
        correlationId: fc.oneof(
          fc.constantFrom('step_a', 'hook_a', 'wait_a'),
          fc.string(),
          fc.anything(),
        ),
        eventData: fc.oneof(fc.anything(), fc.dictionary(fc.string(), fc.anything())),
        specVersion: fc.oneof(fc.constant(3), fc.integer()),
      },
      { requiredKeys: ['eventType'] },
    );
    const counts = { accepted: 0, rejected: 0 };
    await fc.assert(
      fc.asyncProperty(event, fc.boolean(), async (request, sameRun) => {
        try {
          await storage.events.create(sameRun ? runId : `wrun_${Math.random()}`, request as never);
          counts.accepted++;
        } catch (error) {
          counts.rejected++;
          expect(error).toBeInstanceOf(Error);
          expect(WORLD_ERRORS).toContain((error as Error).name);
        }
      }),
      { numRuns: 1000, seed: 20261123 },
    );
    // Whatever was accepted must still read back as a consistent run and event log.
    const stored = await storage.runs.get(runId);
    expect(stored.runId).toBe(runId);
    const events = await storage.events.list({ runId, pagination: { limit: 1000 } });
    expect(events.data.every((stored) => stored.runId === runId)).toBe(true);
    console.log(
      `events: ${counts.rejected} rejected with @workflow/errors, ${counts.accepted} accepted`,
    );
    expect(counts.rejected).toBeGreaterThan(500);
    await world.close();
  });
});

// A password no error message may repeat, however the setting around it is malformed.
const PASSWORD = 'Pw9-leak-marker-Qz';
/** Options each factory knows, with values that carry the password where a secret belongs. */
const PROVIDER_OPTIONS: Record<
  string,
  { factory: (settings: never) => unknown; options: string[] }
> = {
  local: { factory: local, options: ['dataDir', 'memory'] },
  localStorage: { factory: localStorage, options: ['dataDir', 'memory'] },
  localQueue: { factory: localQueue, options: ['dataDir', 'memory', 'concurrency'] },
  localStreamer: { factory: localStreamer, options: ['dataDir', 'memory'] },
  localVersions: { factory: localVersions, options: ['dataDir', 'memory'] },
  postgres: {
    factory: postgres,
    options: ['connectionString', 'schema', 'pool', 'ssl', 'concurrency', 'pollIntervalMs'],
  },
  postgresStorage: { factory: postgresStorage, options: ['connectionString', 'schema', 'pool'] },
  postgresQueue: {
    factory: postgresQueue,
    options: [
      'connectionString',
      'schema',
      'concurrency',
      'pollIntervalMs',
      'visibilityTimeoutSeconds',
      'idempotencyRetentionMs',
      'deployments',
    ],
  },
  postgresStreamer: { factory: postgresStreamer, options: ['connectionString', 'schema'] },
  postgresVersions: { factory: postgresVersions, options: ['connectionString', 'schema'] },
  bullmqQueue: {
    factory: bullmqQueue,
    options: ['url', 'prefix', 'concurrency', 'connection', 'closeTimeoutMs'],
  },
  redisStreamer: { factory: redisStreamer, options: ['url', 'prefix', 'connection'] },
  dynamodb: { factory: dynamodb, options: ['table', 'region', 'endpoint', 'client', 'autoSetup'] },
  dynamodbStorage: { factory: dynamodbStorage, options: ['table', 'region', 'endpoint'] },
  dynamodbVersions: { factory: dynamodbVersions, options: ['table', 'region', 'autoSetup'] },
  sqsQueue: {
    factory: sqsQueue,
    options: [
      'queueUrl',
      'queueName',
      'setup',
      'deadLetterQueueName',
      'deadLetterQueueUrl',
      'region',
      'endpoint',
      'client',
      'concurrency',
      'pollers',
      'waitTimeSeconds',
      'visibilityTimeoutSeconds',
      'maxReceiveCount',
      'poll',
      'closeTimeoutMs',
    ],
  },
  httpCompute: {
    factory: httpCompute,
    options: [
      'secret',
      'previousSecrets',
      'toleranceSeconds',
      'requestTimeoutMs',
      'replayCacheSize',
    ],
  },
};

/** Malformed values that embed the password in a URL's credentials. */
const leakyUrl = fc.constantFrom(
  `postgres://admin:${PASSWORD} x@db.internal:5432/app`,
  `mysql://admin:${PASSWORD}@db.internal/app`,
  `postgres://admin:${PASSWORD}@${'very-long-host-name.'.repeat(4)}example/app db`,
  `http://:${PASSWORD}@cache.internal:6379`,
  `redis://default:${PASSWORD}@cache internal:6379`,
  `redis://${PASSWORD}@cache.internal:6379/x y`,
  `https://user:${PASSWORD}@sqs.local/queue name`,
);
/** Too-short or wrongly shaped HMAC secrets (httpCompute must describe them without the value). */
const SECRET_OPTIONS = new Set(['secret', 'previousSecrets']);
const leakySecret = fc.constantFrom(
  PASSWORD,
  `${PASSWORD}${PASSWORD}`.slice(0, 31),
  [PASSWORD],
  [`${PASSWORD}${PASSWORD}`, PASSWORD],
  `${PASSWORD},${PASSWORD}`,
);
const badValue = fc.oneof(
  { weight: 3, arbitrary: fc.anything() },
  { weight: 2, arbitrary: leakyUrl },
  {
    weight: 2,
    arbitrary: fc.constantFrom(-1, 0, 1.5, Number.NaN, Infinity, '', ' ', 'true', '1e3', 10 ** 9),
  },
  { weight: 1, arbitrary: fc.constantFrom(null, true, () => 1, Symbol('bad'), 10n, new Date(0)) },
);

/** Env fallbacks every factory reads; cleared so generated options alone decide the outcome. */
const SETTING_ENV_VARS = Object.keys(process.env).filter(
  (name) =>
    name.startsWith('WORLDKIT_') || ['DATABASE_URL', 'REDIS_URL', 'AWS_REGION'].includes(name),
);
const savedEnv = new Map<string, string | undefined>();
beforeEach(() => {
  for (const name of SETTING_ENV_VARS) {
    savedEnv.set(name, process.env[name]);
    delete process.env[name];
  }
});
afterEach(() => {
  for (const [name, value] of savedEnv) if (value !== undefined) process.env[name] = value;
});

describe('bad provider settings are rejected by name, without leaking secrets', () => {
  it('3,400 generated settings across every provider factory: config errors naming the option', () => {
    const SETTING_ERRORS = new Set(['WorldkitConfigError', 'MissingSettingError']);
    const counts = { built: 0, rejected: 0 };
    const problems = new Map<string, string>();
    for (const [name, { factory, options }] of Object.entries(PROVIDER_OPTIONS)) {
      // Bare secrets only where a secret belongs; other options may echo a wrong value.
      const option = fc
        .constantFrom(...options)
        .chain((key) =>
          fc.tuple(
            fc.constant(key),
            SECRET_OPTIONS.has(key) ? fc.oneof(leakySecret, badValue) : badValue,
          ),
        );
      // Usually one to three known options wrong, so the check under test is reached; some
      // unknown keys. (Settings that are not an object at all are a type error in TypeScript
      // and are not generated here.)
      const settings = fc.oneof(
        {
          weight: 8,
          arbitrary: fc.array(option, { minLength: 1, maxLength: 3 }).map(Object.fromEntries),
        },
        {
          weight: 1,
          arbitrary: fc.dictionary(fc.string({ minLength: 1 }), badValue, { minKeys: 1 }),
        },
      );
      fc.assert(
        fc.property(settings, (candidate) => {
          const error = thrownBy(() => factory(candidate as never));
          if (error === undefined) {
            counts.built++;
            return;
          }
          counts.rejected++;
          const record = (problem: string) => {
            const key = `${name}: ${problem}`;
            if (!problems.has(key)) problems.set(key, String((error as Error)?.message ?? error));
          };
          if (!(error instanceof Error) || !SETTING_ERRORS.has(error.name)) {
            record(`untyped ${error instanceof Error ? error.name : typeof error}`);
            return;
          }
          if (error.message.includes(PASSWORD)) record('message repeats the password');
          if (error.name === 'MissingSettingError') {
            const missing = error as unknown as { option: string; envVar: string };
            if (
              !error.message.includes(missing.option) ||
              !error.message.includes(missing.envVar)
            ) {
              record('missing setting without option and env var');
            }
            return;
          }
          const named = (error as unknown as { problems: { key: string; envVar?: string }[] })
            .problems;
          const given = typeof candidate === 'object' && candidate !== null ? candidate : {};
          for (const problem of named) {
            const namesOption =
              options.some((option) => new RegExp(`^${option}(?:$|[.[])`).test(problem.key)) ||
              Object.keys(given).some(
                (key) =>
                  problem.key === key ||
                  problem.key.includes(JSON.stringify(key)) ||
                  problem.key === `[${key}]`,
              );
            if (!namesOption) record('names no option');
            if (problem.envVar && !error.message.includes(problem.envVar)) {
              record('env var not in the message');
            }
          }
        }),
        { numRuns: 200, seed: 20261124 },
      );
    }
    console.log(
      `provider settings: ${counts.rejected} rejected with config errors, ${counts.built} built, ${problems.size} problems`,
    );
    expect([...problems].map(([problem, message]) => `${problem}\n    ${message}`)).toEqual([]);
    expect(counts.rejected).toBeGreaterThan(2000);
  });
});
