import { PreconditionFailedError } from '@workflow/errors';
import { type CreateEventRequest, SPEC_VERSION_CURRENT } from '@workflow/world';
import { startPostgresServer } from '@worldkit/test-servers';
import pg from 'pg';
import { decodeTime, monotonicFactory, ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableNames } from '../connection/table-names.js';
import { createPostgresStorage, type PostgresStorage } from './postgres-storage.js';

/**
 * Event ids are issued under the run lock (migration 0006): a writer proposes an id before it
 * waits for the lock, and the statement replaces one that does not sort after the run's newest.
 * So a run's ids sort in commit order, which the runtime's stale-replay snapshot (the time of
 * the last event it saw) relies on to ever catch up with the run's guard marker.
 */

const SCHEMA = 'event_ids';
const tables = tableNames(SCHEMA);
const nextUlid = monotonicFactory();
const spec = { specVersion: SPEC_VERSION_CURRENT };
const bytes = (text: string) => new TextEncoder().encode(text);

let server: Awaited<ReturnType<typeof startPostgresServer>>;
let pool: pg.Pool;
let storages: PostgresStorage[];

beforeAll(async () => {
  server = await startPostgresServer();
  pool = new pg.Pool({ connectionString: server.url, max: 4 });
  // Two storages with their own pools: two processes writing one run.
  storages = [0, 1].map(() =>
    createPostgresStorage({ connectionString: server.url, schema: SCHEMA }),
  );
  await storages[0]?.setup();
});

afterAll(async () => {
  for (const storage of storages ?? []) await storage.close();
  await pool?.end();
  await server?.stop();
});

const writer = (index: number) => storages[index % 2] as PostgresStorage;

async function issued(previous: string | null, proposed: string[]): Promise<string[]> {
  const result = await pool.query<{ ids: string[] }>(
    `SELECT ${tables.eventIdsFunction}($1::text, $2::text[]) AS ids`,
    [previous, proposed],
  );
  return result.rows[0]?.ids ?? [];
}

async function startedRun(): Promise<string> {
  const created = await writer(0).events.create(null, {
    eventType: 'run_created',
    ...spec,
    eventData: { deploymentId: 'dpl_ids', workflowName: 'workflow//ids', input: bytes('in') },
  });
  const runId = created.run?.runId as string;
  await writer(0).events.create(runId, { eventType: 'run_started', ...spec });
  return runId;
}

const stepCreated = (stepId: string): CreateEventRequest => ({
  eventType: 'step_created',
  correlationId: stepId,
  ...spec,
  eventData: { stepName: 'step//ids', input: bytes('step in') },
});

async function logIds(runId: string): Promise<string[]> {
  const log = await writer(0).events.list({ runId, pagination: { limit: 1000 } });
  return log.data.map((event) => event.eventId);
}

describe('worldkit_event_ids()', () => {
  it('keeps proposed ids that sort after the newest and replaces the others by its successor', async () => {
    expect(await issued(null, ['evnt_01J0000000AAAAAAAAAAAAAAAA'])).toEqual([
      'evnt_01J0000000AAAAAAAAAAAAAAAA',
    ]);
    expect(
      await issued('evnt_01J0000000AAAAAAAAAAAAAAAA', ['evnt_01J0000001AAAAAAAAAAAAAAAA']),
    ).toEqual(['evnt_01J0000001AAAAAAAAAAAAAAAA']);
    // Behind the newest: its successor, counting up in Crockford base32 with a carry.
    expect(
      await issued('evnt_01J0000009AAAAAAAAAAAAAAAZ', [
        'evnt_01J0000001AAAAAAAAAAAAAAAA',
        'evnt_01J0000002AAAAAAAAAAAAAAAA',
      ]),
    ).toEqual(['evnt_01J0000009AAAAAAAAAAAAAAB0', 'evnt_01J0000009AAAAAAAAAAAAAAB1']);
    // Equal to the newest is behind it too.
    expect(
      await issued('evnt_01J0000009AAAAAAAAAAAAAAAA', ['evnt_01J0000009AAAAAAAAAAAAAAAA']),
    ).toEqual(['evnt_01J0000009AAAAAAAAAAAAAAAB']);
  });

  it('gives the ULID time of an id', async () => {
    const id = `evnt_${ulid(1_733_000_000_123)}`;
    const result = await pool.query<{ at: string }>(
      `SELECT ${tables.eventTimeFunction}($1)::text AS at`,
      [id],
    );
    expect(Number(result.rows[0]?.at)).toBe(1_733_000_000_123);
  });
});

describe('event ids of a run', () => {
  it('sort after the newest id another writer committed, even one from a clock ahead of ours', async () => {
    const runId = await startedRun();
    // Another process, its clock 10 s ahead, wrote the run's newest event.
    const ahead = `evnt_${ulid(Date.now() + 10_000)}`;
    await pool.query(`UPDATE ${tables.runs} SET last_event_id = $2 WHERE run_id = $1`, [
      runId,
      ahead,
    ]);
    const stepId = `step_${nextUlid()}`;
    const created = await writer(1).events.create(runId, stepCreated(stepId));
    await writer(0).events.create(runId, {
      eventType: 'step_started',
      correlationId: stepId,
      ...spec,
    });
    const completed = await writer(1).events.create(runId, {
      eventType: 'step_completed',
      correlationId: stepId,
      ...spec,
      eventData: { result: bytes('out') },
    });
    const createdId = created.event?.eventId as string;
    const completedId = completed.event?.eventId as string;
    expect(createdId > ahead, `${createdId} sorts after ${ahead}`).toBe(true);

    const ids = await logIds(runId);
    expect(ids.at(-1)).toBe(completedId);
    expect(ids, 'ids in log order are strictly increasing').toEqual([...ids].sort());
    expect(new Set(ids).size).toBe(ids.length);

    // The guard marker is the time of the id as stored, so a replay that saw the whole log
    // (its snapshot: the time of the last event) is not refused — the livelock this prevents.
    const marker = await pool.query<{ at: string }>(
      `SELECT external_update_at::text AS at FROM ${tables.runs} WHERE run_id = $1`,
      [runId],
    );
    const lastTime = decodeTime(completedId.slice('evnt_'.length));
    expect(Number(marker.rows[0]?.at)).toBe(lastTime);
    const next = await writer(0).events.create(runId, stepCreated(`step_${nextUlid()}`), {
      stateUpdatedAt: lastTime,
    });
    expect(next.step?.status).toBe('pending');
    // A replay that had not seen that step_completed is still refused.
    await expect(
      writer(0).events.create(runId, stepCreated(`step_${nextUlid()}`), {
        stateUpdatedAt: lastTime - 1,
      }),
    ).rejects.toSatisfy(PreconditionFailedError.is);
  });

  it('sort in commit order when two writers race on one run', async () => {
    const runId = await startedRun();
    const writes = Array.from({ length: 40 }, (_, index) =>
      writer(index).events.create(runId, stepCreated(`step_${nextUlid()}`)),
    );
    await Promise.all(writes);
    const ids = await logIds(runId);
    expect(ids).toHaveLength(42);
    expect(ids, 'ids in log order are strictly increasing').toEqual([...ids].sort());
    const newest = await pool.query<{ last_event_id: string }>(
      `SELECT last_event_id FROM ${tables.runs} WHERE run_id = $1`,
      [runId],
    );
    expect(newest.rows[0]?.last_event_id).toBe(ids.at(-1));
  });
});
