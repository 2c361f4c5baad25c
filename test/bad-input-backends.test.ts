import * as workflowErrors from '@workflow/errors';
import type { Event, Storage } from '@workflow/world';
import { type ComposedWorld, createWorld } from '@worldkit/core';
import { dynamodbStorage } from '@worldkit/dynamodb';
import { localQueue, localStorage, localStreamer } from '@worldkit/local';
import { postgresStorage } from '@worldkit/postgres';
import {
  type RunningDynamoDbLocal,
  type RunningServer,
  startDynamoDbLocal,
  startPostgresServer,
} from '@worldkit/test-servers';
import { silentLogger } from '@worldkit/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Generated `events.create` calls against the durable backends. Most are *almost* valid (a
// real event type and correlation id with a wrong eventData shape, wrong types, huge or
// NUL-laden strings), because those reach the backend's SQL / item encoding, where an
// untyped driver error would escape; pure garbage mostly stops at the first guard.

/**
 * Every class of `@workflow/errors` a World may answer with: WorkflowWorldError and its
 * subclasses, plus the WorkflowError subclasses the World contract names for missing
 * entities (WorkflowRunNotFoundError, HookNotFoundError, RunNotSupportedError, ...).
 */
const WORLD_ERRORS = new Set(
  (Object.values(workflowErrors) as unknown[])
    .filter(
      (value): value is new (...args: never[]) => Error =>
        typeof value === 'function' && value.prototype instanceof workflowErrors.WorkflowError,
    )
    .map((errorClass) => errorClass.name)
    .concat('WorkflowError'),
);

const EVENTS_PER_BACKEND = 500;
const RUNS = 4;

const NUL = '\u0000';
const LONE_SURROGATE = '\uD800';
/** Wrong-typed or hostile values for one field. */
const hostileValue = fc.oneof(
  { weight: 3, arbitrary: fc.anything() },
  { weight: 2, arbitrary: fc.string().map((text) => `${text}${NUL}${text}`) },
  { weight: 1, arbitrary: fc.constant(`${LONE_SURROGATE}x${NUL}`) },
  // Past DynamoDB's 400 KB item limit and far past a key's 1-2 KB.
  { weight: 1, arbitrary: fc.constantFrom('h'.repeat(450_000), '\u{1F600}'.repeat(120_000)) },
  { weight: 1, arbitrary: fc.constantFrom(null, undefined, Number.NaN, -0, 1e308, Infinity) },
  { weight: 1, arbitrary: fc.bigInt() },
  { weight: 1, arbitrary: fc.date({ noInvalidDate: false }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 32 }) },
  {
    weight: 1,
    arbitrary: fc.dictionary(
      fc.string().map((key) => `${key}${NUL}`),
      fc.string(),
    ),
  },
);

const bytes = new Uint8Array([1, 2, 3]);
/** A valid eventData per event type, as the runtime sends it. */
const VALID_DATA: Record<string, Record<string, unknown> | undefined> = {
  run_started: undefined,
  run_completed: { output: bytes },
  run_failed: { error: { message: 'boom' } },
  run_cancelled: undefined,
  step_created: { stepName: 'fuzzStep', input: bytes },
  step_started: { attempt: 1 },
  step_completed: { result: bytes },
  step_failed: { error: { message: 'boom' } },
  step_retrying: { error: { message: 'again' }, retryAfter: new Date(0) },
  hook_created: { token: 'fuzz-token', metadata: bytes },
  hook_received: { payload: bytes },
  hook_disposed: undefined,
  wait_created: { resumeAt: new Date(0) },
  wait_completed: undefined,
};
const ENTITY_EVENTS = Object.keys(VALID_DATA).filter((type) => !type.startsWith('run_'));
const RUN_EVENTS = Object.keys(VALID_DATA).filter((type) => type.startsWith('run_'));

/** Valid data with one field replaced, dropped, or with a foreign key added. */
function almostValidData(eventType: string) {
  const valid = VALID_DATA[eventType] ?? {};
  const keys = Object.keys(valid);
  return fc.oneof(
    fc
      .record({ key: keys.length ? fc.constantFrom(...keys) : fc.string(), value: hostileValue })
      .map(({ key, value }) => ({ ...valid, [key]: value })),
    fc.constantFrom(...keys, '').map((key) => {
      const { [key]: _dropped, ...rest } = valid;
      return rest;
    }),
    hostileValue.map((value) => ({ ...valid, [`extra${NUL}`]: value })),
    hostileValue,
    fc.constant(valid),
  );
}

const correlationId = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('step_a', 'step_b', 'hook_a', 'wait_a') },
  { weight: 1, arbitrary: fc.string().map((text) => `step_${text}`) },
  { weight: 1, arbitrary: hostileValue },
);

/** Mostly entity events (a terminal run would reject everything after it). */
const eventRequest = fc
  .oneof(
    { weight: 8, arbitrary: fc.constantFrom(...ENTITY_EVENTS) },
    { weight: 1, arbitrary: fc.constantFrom(...RUN_EVENTS) },
    { weight: 1, arbitrary: fc.oneof(fc.string(), fc.anything()) },
  )
  .chain((eventType) =>
    fc.record(
      {
        eventType: fc.constant(eventType),
        correlationId,
        eventData: typeof eventType === 'string' ? almostValidData(eventType) : fc.anything(),
        specVersion: fc.oneof(
          { weight: 8, arbitrary: fc.constant(3) },
          { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.anything()) },
        ),
      },
      { requiredKeys: ['eventType'] },
    ),
  );

/** Which run an event targets: one of the prepared runs, or none / an unknown / a hostile id. */
const runChoice = fc.oneof(
  { weight: 12, arbitrary: fc.nat({ max: RUNS - 1 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, 'wrun_01UNKNOWNUNKNOWNUNKNOWN00') },
  { weight: 1, arbitrary: hostileValue },
);

/** A short, printable account of a request (huge strings and NULs would flood the report). */
function describeRequest(request: unknown, runId: unknown): string {
  const text = JSON.stringify({ runId, request }, (_key, value) => {
    if (typeof value === 'bigint') return `${value}n`;
    if (value instanceof Uint8Array) return `<${value.length} bytes>`;
    if (typeof value === 'string' && value.length > 40) return `<string of ${value.length}>`;
    if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
    return value;
  });
  return (text ?? String(request)).replaceAll(NUL, '\\0').slice(0, 300);
}

async function createRuns(storage: Storage): Promise<string[]> {
  const runIds: string[] = [];
  for (let index = 0; index < RUNS; index++) {
    const { run } = await storage.events.create(null, {
      eventType: 'run_created',
      eventData: { deploymentId: 'fuzz', workflowName: 'fuzz', input: bytes },
      specVersion: 3,
    } as never);
    await storage.events.create(run!.runId, { eventType: 'run_started', specVersion: 3 } as never);
    runIds.push(run!.runId);
  }
  return runIds;
}

async function readAllEvents(storage: Storage, runId: string): Promise<Event[]> {
  const events: Event[] = [];
  let cursor: string | undefined;
  do {
    const page = await storage.events.list({ runId, pagination: { limit: 100, cursor } });
    events.push(...page.data);
    cursor = page.hasMore ? (page.cursor ?? undefined) : undefined;
  } while (cursor);
  return events;
}

/** The stored run and log still read back and obey the ordering the runtime replays by. */
async function expectConsistentRun(storage: Storage, runId: string) {
  const run = await storage.runs.get(runId);
  expect(run.runId).toBe(runId);
  const events = await readAllEvents(storage, runId);
  expect(events.every((event) => event.runId === runId)).toBe(true);
  const ids = events.map((event) => event.eventId);
  expect(ids).toEqual([...ids].sort());
  const created = new Set<string>();
  for (const event of events) {
    if (event.eventType === 'step_created') created.add(event.correlationId);
    if (event.eventType === 'step_completed' || event.eventType === 'step_started') {
      expect(created, `${event.eventType} without step_created`).toContain(event.correlationId);
    }
  }
  const steps = await storage.steps.list({ runId, pagination: { limit: 1000 } });
  for (const step of steps.data) {
    // A step keyed by anything but its string correlation id cannot be replayed.
    expect(typeof step.stepId, `step ${describeRequest(step.stepId, runId)}`).toBe('string');
    expect(typeof step.stepName, `step ${step.stepId} name`).toBe('string');
    expect(created, 'a step without its step_created event').toContain(step.stepId);
  }
  await storage.hooks.list({ runId, pagination: { limit: 1000 } });
  return events.length;
}

function describeBadEvents(name: string, compose: () => ComposedWorld) {
  it(`${EVENTS_PER_BACKEND} generated events: ${name} answers with @workflow/errors and stays readable`, async () => {
    const world = compose();
    try {
      const storage: Storage = world;
      const runIds = await createRuns(storage);
      const counts = { accepted: 0, rejected: 0 };
      const rejectedBy = new Map<string, number>();
      // Untyped rejections, one example per distinct message shape, so one run shows them all.
      const untyped = new Map<string, string>();
      await fc.assert(
        fc.asyncProperty(eventRequest, runChoice, async (request, target) => {
          const runId = typeof target === 'number' ? runIds[target]! : target;
          try {
            await storage.events.create(runId as string, request as never);
            counts.accepted++;
          } catch (error) {
            counts.rejected++;
            const label = error instanceof Error ? error.name : typeof error;
            rejectedBy.set(label, (rejectedBy.get(label) ?? 0) + 1);
            if (error instanceof Error && WORLD_ERRORS.has(error.name)) return;
            const message = error instanceof Error ? error.message : String(error);
            const shape = `${label}: ${message.replace(/[0-9a-f]{8,}|\d+/gi, '#').slice(0, 160)}`;
            if (!untyped.has(shape)) untyped.set(shape, describeRequest(request, runId));
          }
        }),
        { numRuns: EVENTS_PER_BACKEND, seed: 20261124 },
      );
      let stored = 0;
      for (const runId of runIds) stored += await expectConsistentRun(storage, runId);
      console.log(
        `events (${name}): ${counts.rejected} rejected (${[...rejectedBy]
          .map(([errorName, count]) => `${errorName} ${count}`)
          .join(', ')}), ${counts.accepted} accepted; ${stored} events in ${RUNS} runs read back`,
      );
      // Checked last, so the read-back above runs (and reports) even when this fails.
      expect(
        [...untyped].map(([shape, example]) => `${shape}\n    e.g. ${example}`),
        'untyped rejections',
      ).toEqual([]);
      expect(counts.rejected).toBeGreaterThan(EVENTS_PER_BACKEND / 10);
      // The generator must still reach the accepting paths now and then (about 4% after the
      // composer's request check), or read-back would only ever see the seeded events.
      expect(counts.accepted).toBeGreaterThan(EVENTS_PER_BACKEND / 50);
    } finally {
      await world.close();
    }
  });
}

/** Pagination no backend can serve: each must come back as a typed 400 naming the parameter. */
const BAD_PAGINATION: Array<[string, unknown, RegExp]> = [
  ['limit "abc"', { limit: 'abc' }, /pagination\.limit/],
  ['limit NaN', { limit: Number.NaN }, /pagination\.limit/],
  ['limit 0', { limit: 0 }, /pagination\.limit/],
  ['limit 1.5', { limit: 1.5 }, /pagination\.limit/],
  ['cursor 42', { cursor: 42 }, /pagination\.cursor/],
  ['sortOrder "up"', { sortOrder: 'up' }, /pagination\.sortOrder/],
];

function describeBadPagination(name: string, compose: () => ComposedWorld) {
  it(`bad pagination on every list: ${name} answers a typed 400 naming the parameter`, async () => {
    const world = compose();
    try {
      const [runId] = await createRuns(world);
      const lists: Array<[string, (pagination: unknown) => Promise<unknown>]> = [
        ['runs.list', (pagination) => world.runs.list({ pagination } as never)],
        ['steps.list', (pagination) => world.steps.list({ runId: runId!, pagination } as never)],
        ['events.list', (pagination) => world.events.list({ runId: runId!, pagination } as never)],
        [
          'events.listByCorrelationId',
          (pagination) =>
            world.events.listByCorrelationId({ correlationId: 'step_x', pagination } as never),
        ],
        ['hooks.list', (pagination) => world.hooks.list({ runId: runId!, pagination } as never)],
      ];
      for (const [listName, list] of lists) {
        for (const [label, pagination, names] of BAD_PAGINATION) {
          const error = await list(pagination).then(
            () => undefined,
            (caught: unknown) => caught,
          );
          expect(workflowErrors.WorkflowWorldError.is(error), `${listName} ${label}`).toBe(true);
          expect((error as workflowErrors.WorkflowWorldError).status, `${listName} ${label}`).toBe(
            400,
          );
          expect((error as Error).message, `${listName} ${label}`).toMatch(names);
        }
        // A limit past the maximum is capped, not refused.
        await expect(list({ limit: 10 ** 9 })).resolves.toBeDefined();
      }
    } finally {
      await world.close();
    }
  });

  it(`an identifier with a lone surrogate: ${name} refuses it with a typed 400 (one rule everywhere)`, async () => {
    const world = compose();
    try {
      const [runId] = await createRuns(world);
      const error = await world.events
        .create(runId!, {
          eventType: 'step_created',
          correlationId: `step_${LONE_SURROGATE}x`,
          eventData: { stepName: 'step//x', input: new Uint8Array() },
        } as never)
        .then(
          () => undefined,
          (caught: unknown) => caught,
        );
      expect(workflowErrors.WorkflowWorldError.is(error)).toBe(true);
      expect((error as workflowErrors.WorkflowWorldError).status).toBe(400);
      expect((error as Error).message).toMatch(/correlationId must be well-formed Unicode/);
      expect((await world.steps.list({ runId: runId!, pagination: {} } as never)).data).toEqual([]);
    } finally {
      await world.close();
    }
  });
}

describe('bad events against the durable storage backends', () => {
  let postgres: RunningServer;
  let dynamo: RunningDynamoDbLocal;
  beforeAll(async () => {
    [postgres, dynamo] = await Promise.all([startPostgresServer(), startDynamoDbLocal()]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([postgres?.stop(), dynamo?.stop()]);
  });

  const localParts = () => ({
    queue: localQueue({ memory: true }),
    streamer: localStreamer({ memory: true }),
    logger: silentLogger,
  });

  const postgresWorld = () =>
    createWorld({
      storage: postgresStorage({ connectionString: postgres.url, schema: 'bad_input' }),
      ...localParts(),
    });
  describeBadEvents('@worldkit/postgres', postgresWorld);
  describeBadPagination('@worldkit/postgres', postgresWorld);

  const dynamodbWorld = () => {
    // DynamoDB Local accepts any credentials; fixed ones keep the SDK from probing IMDS.
    process.env.AWS_ACCESS_KEY_ID ??= 'local';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
    return createWorld({
      storage: dynamodbStorage({
        table: 'worldkit_bad_input',
        region: 'us-east-1',
        endpoint: dynamo.endpoint,
      }),
      ...localParts(),
    });
  };
  describeBadEvents('@worldkit/dynamodb', dynamodbWorld);
  describeBadPagination('@worldkit/dynamodb', dynamodbWorld);
  describeBadPagination('@worldkit/local', () =>
    createWorld({ storage: localStorage({ memory: true }), ...localParts() }),
  );
});
