import { EntityConflictError, HookNotFoundError } from '@workflow/errors';
import {
  type CreateEventRequest,
  type Event,
  type RunCreatedEventRequest,
  SPEC_VERSION_CURRENT,
} from '@workflow/world';
import { startPostgresServer } from '@worldkit/test-servers';
import pg from 'pg';
import { monotonicFactory } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStorage, type PostgresStorage } from './postgres-storage.js';

/**
 * Many writers on one run, step, hook or wait, spread over two storages with separate pools
 * (as two processes would be): the database must leave exactly the events the storage rules (docs/contract.md) allow.
 */

const nextUlid = monotonicFactory();
const id = (prefix: string) => `${prefix}_${nextUlid()}`;
const spec = { specVersion: SPEC_VERSION_CURRENT };
const bytes = (text: string) => new TextEncoder().encode(text);

let server: Awaited<ReturnType<typeof startPostgresServer>>;
const pools: pg.Pool[] = [];
let writers: PostgresStorage[];

beforeAll(async () => {
  server = await startPostgresServer();
  writers = [0, 1].map(() => {
    const pool = new pg.Pool({ connectionString: server.url, max: 8 });
    pools.push(pool);
    return createPostgresStorage({ pool, schema: 'races' });
  });
  await writers[0].setup();
});

afterAll(async () => {
  for (const writer of writers ?? []) await writer.close();
  for (const pool of pools) await pool.end();
  await server?.stop();
});

/** Writer i takes turns between the two storages. */
const writer = (i: number) => writers[i % writers.length];

async function settle<T>(calls: Array<Promise<T>>) {
  const outcomes = await Promise.allSettled(calls);
  return {
    fulfilled: outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : [])),
    rejected: outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : [])),
  };
}

async function runningRun(): Promise<string> {
  const runId = id('wrun');
  const created: RunCreatedEventRequest = {
    eventType: 'run_created',
    ...spec,
    eventData: { deploymentId: 'dpl_race', workflowName: 'workflow//race', input: bytes('in') },
  };
  await writer(0).events.create(runId, created);
  await writer(0).events.create(runId, { eventType: 'run_started', ...spec });
  return runId;
}

async function logOf(runId: string): Promise<Event[]> {
  return (await writer(1).events.list({ runId, pagination: { limit: 1000 } })).data;
}

const create = (i: number, runId: string, request: CreateEventRequest) =>
  writer(i).events.create(runId, request);

describe('concurrent writers across two pools', () => {
  it('12 step_completed for one step: one wins, the rest get EntityConflictError', async () => {
    const runId = await runningRun();
    const stepId = id('step');
    await create(0, runId, {
      eventType: 'step_created',
      ...spec,
      correlationId: stepId,
      eventData: { stepName: 'step//race', input: bytes('x') },
    });
    await create(1, runId, { eventType: 'step_started', ...spec, correlationId: stepId });

    const { fulfilled, rejected } = await settle(
      Array.from({ length: 12 }, (_, i) =>
        create(i, runId, {
          eventType: 'step_completed',
          ...spec,
          correlationId: stepId,
          eventData: { result: bytes(`result-${i}`) },
        }),
      ),
    );
    expect(fulfilled).toHaveLength(1);
    expect(rejected.every((error) => EntityConflictError.is(error))).toBe(true);
    const completions = (await logOf(runId)).filter(
      (event) => event.eventType === 'step_completed',
    );
    expect(completions).toHaveLength(1);
    const step = await writer(0).steps.get(runId, stepId);
    expect(step.output).toEqual(fulfilled[0].step?.output);
  });

  it('8 runs claiming one token: one hook_created, seven hook_conflict naming the holder', async () => {
    const token = id('token');
    const runIds = await Promise.all(Array.from({ length: 8 }, () => runningRun()));
    const results = await Promise.all(
      runIds.map((runId, i) =>
        create(i, runId, {
          eventType: 'hook_created',
          ...spec,
          correlationId: id('hook'),
          eventData: { token },
        }),
      ),
    );
    const created = results.filter((result) => result.event?.eventType === 'hook_created');
    const conflicts = results.filter((result) => result.event?.eventType === 'hook_conflict');
    expect(created).toHaveLength(1);
    expect(conflicts).toHaveLength(7);
    const holder = await writer(1).hooks.getByToken(token);
    expect(holder.runId).toBe(created[0].event?.runId);
    for (const conflict of conflicts) {
      expect(conflict.hook).toBeUndefined();
      expect(
        conflict.event?.eventType === 'hook_conflict' && conflict.event.eventData.conflictingRunId,
      ).toBe(holder.runId);
    }
  });

  it('hook_received racing hook_disposed never lands after the disposal', async () => {
    const runId = await runningRun();
    const hookId = id('hook');
    const token = id('token');
    await create(0, runId, {
      eventType: 'hook_created',
      ...spec,
      correlationId: hookId,
      eventData: { token },
    });

    const receive = (i: number) =>
      create(i, runId, {
        eventType: 'hook_received',
        ...spec,
        correlationId: hookId,
        eventData: { token, payload: bytes(`delivery-${i}`) },
      });
    const calls = [
      ...Array.from({ length: 6 }, (_, i) => receive(i)),
      create(1, runId, { eventType: 'hook_disposed', ...spec, correlationId: hookId }),
      ...Array.from({ length: 6 }, (_, i) => receive(i + 6)),
    ];
    const { rejected } = await settle(calls);
    expect(rejected.every((error) => HookNotFoundError.is(error))).toBe(true);

    const types = (await logOf(runId))
      .filter((event) => event.correlationId === hookId)
      .map((event) => event.eventType);
    const disposedAt = types.indexOf('hook_disposed');
    expect(disposedAt).toBeGreaterThan(0);
    expect(types.slice(disposedAt + 1)).toEqual([]);
    expect(types.filter((type) => type === 'hook_received')).toHaveLength(12 - rejected.length);
  });

  it('resilient run_started racing run_created: one run, one run_created, one run_started', async () => {
    const runId = id('wrun');
    const eventData = {
      deploymentId: 'dpl_race',
      workflowName: 'workflow//race',
      input: bytes('in'),
    };
    const { rejected } = await settle([
      ...Array.from({ length: 4 }, (_, i) =>
        writer(i).events.create(runId, { eventType: 'run_started', ...spec, eventData }),
      ),
      writer(1).events.create(runId, { eventType: 'run_created', ...spec, eventData }),
    ]);
    // run_created may lose to a resilient start (the run exists) and must say so.
    expect(rejected.every((error) => EntityConflictError.is(error))).toBe(true);
    const types = (await logOf(runId)).map((event) => event.eventType);
    expect(types).toEqual(['run_created', 'run_started']);
    expect((await writer(0).runs.get(runId)).status).toBe('running');
  });

  it('wait_completed from 6 writers completes the wait once', async () => {
    const runId = await runningRun();
    const waitId = id('wait');
    await create(0, runId, {
      eventType: 'wait_created',
      ...spec,
      correlationId: waitId,
      eventData: { resumeAt: new Date() },
    });
    const { fulfilled, rejected } = await settle(
      Array.from({ length: 6 }, (_, i) =>
        create(i, runId, { eventType: 'wait_completed', ...spec, correlationId: waitId }),
      ),
    );
    expect(fulfilled).toHaveLength(1);
    expect(rejected.every((error) => EntityConflictError.is(error))).toBe(true);
    expect(
      (await logOf(runId)).filter((event) => event.eventType === 'wait_completed'),
    ).toHaveLength(1);
  });

  it('a run ending while steps, hooks and waits are being created leaves nothing created after it', async () => {
    const runId = await runningRun();
    const creations = Array.from({ length: 9 }, (_, i) => {
      const kind = i % 3;
      if (kind === 0) {
        return create(i, runId, {
          eventType: 'step_created',
          ...spec,
          correlationId: id('step'),
          eventData: { stepName: 'step//race', input: bytes('x') },
        });
      }
      if (kind === 1) {
        return create(i, runId, {
          eventType: 'hook_created',
          ...spec,
          correlationId: id('hook'),
          eventData: { token: id('token') },
        });
      }
      return create(i, runId, {
        eventType: 'wait_created',
        ...spec,
        correlationId: id('wait'),
        eventData: { resumeAt: new Date(Date.now() + 60_000) },
      });
    });
    const ending = create(1, runId, {
      eventType: 'run_completed',
      ...spec,
      eventData: { output: bytes('done') },
    });
    const { rejected } = await settle([...creations.slice(0, 4), ending, ...creations.slice(4)]);
    expect(rejected.every((error) => EntityConflictError.is(error))).toBe(true);

    const types = (await logOf(runId)).map((event) => event.eventType);
    expect(types.at(-1)).toBe('run_completed');
    expect(types.filter((type) => type === 'run_completed')).toHaveLength(1);
    // The ending deleted every hook and wait created before it.
    expect((await writer(0).hooks.list({ runId })).data).toEqual([]);
  });
});
