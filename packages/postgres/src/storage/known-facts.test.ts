import { type CreateEventRequest, SPEC_VERSION_CURRENT } from '@workflow/world';
import { startPostgresServer } from '@worldkit/test-servers';
import pg from 'pg';
import { monotonicFactory } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStorage, type PostgresStorage } from './postgres-storage.js';

/**
 * An event write is one statement when the storage already knows the facts (it wrote the
 * run's last events), two when it must read them first — and guesses from another storage's
 * stale view never change an outcome (two storages with their own pools, as two processes).
 */

const nextUlid = monotonicFactory();
const spec = { specVersion: SPEC_VERSION_CURRENT };
const bytes = (text: string) => new TextEncoder().encode(text);

let server: Awaited<ReturnType<typeof startPostgresServer>>;
const pools: pg.Pool[] = [];
const statements = [0, 0];
let storages: PostgresStorage[];

beforeAll(async () => {
  server = await startPostgresServer();
  storages = [0, 1].map((index) => {
    const pool = new pg.Pool({ connectionString: server.url, max: 4 });
    const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
    // Counts every statement this storage sends (a pooled query is one round trip).
    (pool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args) => {
      statements[index] = (statements[index] ?? 0) + 1;
      return query(...args);
    };
    pools.push(pool);
    return createPostgresStorage({ pool, schema: 'known_facts' });
  });
  await storages[0]?.setup();
});

afterAll(async () => {
  for (const storage of storages ?? []) await storage.close();
  for (const pool of pools) await pool.end();
  await server?.stop();
});

const [a, b] = [() => storages[0] as PostgresStorage, () => storages[1] as PostgresStorage];

/** Statements storage `index` sends while `work` runs. */
async function counted<T>(index: number, work: () => Promise<T>) {
  const before = statements[index] ?? 0;
  const result = await work();
  return { result, statements: (statements[index] ?? 0) - before };
}

async function startedRun(storage: PostgresStorage): Promise<string> {
  const created = await storage.events.create(null, {
    eventType: 'run_created',
    ...spec,
    eventData: { deploymentId: 'dpl_known', workflowName: 'workflow//known', input: bytes('in') },
  });
  const runId = created.run?.runId as string;
  await storage.events.create(runId, { eventType: 'run_started', ...spec });
  return runId;
}

const stepCreated = (stepId: string): CreateEventRequest => ({
  eventType: 'step_created',
  correlationId: stepId,
  ...spec,
  eventData: { stepName: 'step//known', input: bytes('step in') },
});

describe('facts a storage already knows', () => {
  it('a step written by one storage from start to end costs one statement per event', async () => {
    const runId = await startedRun(a());
    const stepId = `step_${nextUlid()}`;
    const created = await counted(0, () => a().events.create(runId, stepCreated(stepId)));
    const started = await counted(0, () =>
      a().events.create(runId, { eventType: 'step_started', correlationId: stepId, ...spec }),
    );
    const completed = await counted(0, () =>
      a().events.create(runId, {
        eventType: 'step_completed',
        correlationId: stepId,
        ...spec,
        eventData: { result: bytes('out') },
      }),
    );
    expect(
      {
        created: created.statements,
        started: started.statements,
        completed: completed.statements,
      },
      'statements per event write',
    ).toEqual({ created: 1, started: 1, completed: 1 });
    expect(completed.result.step?.status).toBe('completed');
  });

  it('a storage that never saw the run reads the facts first: two statements', async () => {
    const runId = await startedRun(a());
    const stepId = `step_${nextUlid()}`;
    const created = await counted(1, () => b().events.create(runId, stepCreated(stepId)));
    expect(created.statements, 'statements for a run written elsewhere').toBe(2);
    expect(created.result.step?.status).toBe('pending');
  });

  it('a stale guess from another storage still ends as if nothing were cached', async () => {
    const runId = await startedRun(a());
    const stepId = `step_${nextUlid()}`;
    await a().events.create(runId, stepCreated(stepId));
    // b starts the step: a still believes it pending, attempt 0.
    await b().events.create(runId, { eventType: 'step_started', correlationId: stepId, ...spec });
    const completed = await a().events.create(runId, {
      eventType: 'step_completed',
      correlationId: stepId,
      ...spec,
      eventData: { result: bytes('out') },
    });
    expect(completed.step).toMatchObject({ status: 'completed', attempt: 1 });

    // b cancels the run: a still believes it running, yet may not add a step to it.
    await b().events.create(runId, { eventType: 'run_cancelled', ...spec });
    const lateStep = stepCreated(`step_${nextUlid()}`);
    const fromGuess = await a()
      .events.create(runId, lateStep)
      .then(
        () => 'written',
        (error: unknown) => (error as Error).name,
      );
    const fromFacts = await b()
      .events.create(runId, lateStep)
      .then(
        () => 'written',
        (error: unknown) => (error as Error).name,
      );
    expect(fromGuess, 'a step created on a cancelled run').toBe(fromFacts);
    expect(fromGuess).not.toBe('written');

    const log = await a().events.list({ runId, pagination: { limit: 100 } });
    expect(log.data.map((event) => event.eventType)).toEqual([
      'run_created',
      'run_started',
      'step_created',
      'step_started',
      'step_completed',
      'run_cancelled',
    ]);
  });

  it('a repeated step_started from a stale guess is refused as on fresh facts', async () => {
    const runId = await startedRun(a());
    const stepId = `step_${nextUlid()}`;
    await a().events.create(runId, stepCreated(stepId));
    await b().events.create(runId, { eventType: 'step_started', correlationId: stepId, ...spec });
    await b().events.create(runId, {
      eventType: 'step_completed',
      correlationId: stepId,
      ...spec,
      eventData: { result: bytes('out') },
    });
    // a believes the step pending: its step_started is decided again on the real facts.
    const fromGuess = await a()
      .events.create(runId, { eventType: 'step_started', correlationId: stepId, ...spec })
      .then(
        () => 'written',
        (error: unknown) => (error as Error).name,
      );
    const fromFacts = await b()
      .events.create(runId, { eventType: 'step_started', correlationId: stepId, ...spec })
      .then(
        () => 'written',
        (error: unknown) => (error as Error).name,
      );
    expect(fromGuess).toBe(fromFacts);
    expect(fromGuess).not.toBe('written');
  });
});
