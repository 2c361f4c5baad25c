import { PreconditionFailedError } from '@workflow/errors';
import { type CreateEventRequest, SPEC_VERSION_CURRENT } from '@workflow/world';
import { startPostgresServer } from '@worldkit/test-servers';
import pg from 'pg';
import { decodeTime, monotonicFactory } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '../connection/migrate.js';
import { createPostgresStorage, type PostgresStorage } from './postgres-storage.js';

/**
 * What the storage conformance suite cannot see from outside: how the `stateUpdatedAt` marker
 * (migration 0003) lands on a database that already holds runs, and that it only ever grows.
 */

const nextUlid = monotonicFactory();
const spec = { specVersion: SPEC_VERSION_CURRENT };
const bytes = (text: string) => new TextEncoder().encode(text);
const timeOfId = (id: string) => decodeTime(id.slice(id.lastIndexOf('_') + 1));

let server: Awaited<ReturnType<typeof startPostgresServer>>;
let pool: pg.Pool;
const storages: PostgresStorage[] = [];

beforeAll(async () => {
  server = await startPostgresServer();
  pool = new pg.Pool({ connectionString: server.url, max: 4 });
});
afterAll(async () => {
  for (const storage of storages) await storage.close();
  await pool?.end();
  await server?.stop();
});

function storageFor(schema: string): PostgresStorage {
  const storage = createPostgresStorage({ pool, schema });
  storages.push(storage);
  return storage;
}

const markerOf = async (schema: string, runId: string) =>
  (
    await pool.query<{ marker: string }>(
      `SELECT external_update_at::text AS marker FROM "${schema}".runs WHERE run_id = $1`,
      [runId],
    )
  ).rows[0]?.marker;

/** A step through to `step_completed` written by a step worker (no `stateUpdatedAt`). */
async function completeStepExternally(storage: PostgresStorage, runId: string): Promise<number> {
  const stepId = `step_${nextUlid()}`;
  const step = (request: CreateEventRequest) => storage.events.create(runId, request);
  await step({
    eventType: 'step_created',
    ...spec,
    correlationId: stepId,
    eventData: { stepName: 'step//guard', input: bytes('in') },
  });
  await step({ eventType: 'step_started', ...spec, correlationId: stepId });
  const completed = await step({
    eventType: 'step_completed',
    ...spec,
    correlationId: stepId,
    eventData: { result: bytes('out') },
  });
  return timeOfId(completed.event?.eventId as string);
}

const waitRequest = (): CreateEventRequest => ({
  eventType: 'wait_created',
  ...spec,
  correlationId: `wait_${nextUlid()}`,
  eventData: { resumeAt: new Date(Date.now() + 60_000) },
});

describe('stateUpdatedAt marker (migration 0003)', () => {
  it('upgrades a version-2 database: runs in flight start at 0 and then get the guard', async () => {
    const schema = 'guard_upgrade';
    const before = await migrate(pool, schema, loadMigrations().slice(0, 2));
    expect(before).toEqual({ applied: [1, 2], current: 2 });
    // A run as the previous release wrote it, still running when the upgrade happens.
    const runId = `wrun_${nextUlid()}`;
    await pool.query(
      `INSERT INTO "${schema}".runs
         (run_id, deployment_id, workflow_name, status, spec_version, created_at, updated_at)
       VALUES ($1, 'dpl_old', 'workflow//old', 'running', $2, now(), now())`,
      [runId, SPEC_VERSION_CURRENT],
    );

    // Every later migration applies on top of version 2, whatever the newest one is.
    const later = loadMigrations()
      .slice(2)
      .map((migration) => migration.version);
    expect(await migrate(pool, schema)).toEqual({ applied: later, current: later.at(-1) });
    expect(await markerOf(schema, runId)).toBe('0');

    const storage = storageFor(schema);
    // No external event since the upgrade: any snapshot passes, as it did before.
    const early = await storage.events.create(runId, waitRequest(), { stateUpdatedAt: 1 });
    expect(early.wait?.status).toBe('waiting');

    const marker = await completeStepExternally(storage, runId);
    expect(await markerOf(schema, runId)).toBe(String(marker));
    await expect(
      storage.events.create(runId, waitRequest(), { stateUpdatedAt: marker - 1 }),
    ).rejects.toSatisfy(PreconditionFailedError.is);
  });

  it('the migration is safe to run again and keeps the markers it finds', async () => {
    const schema = 'guard_rerun';
    const storage = storageFor(schema);
    await storage.setup();
    const created = await storage.events.create(null, {
      eventType: 'run_created',
      ...spec,
      eventData: { deploymentId: 'dpl', workflowName: 'workflow//rerun', input: bytes('in') },
    });
    const runId = created.run?.runId as string;
    await storage.events.create(runId, { eventType: 'run_started', ...spec });
    const marker = await completeStepExternally(storage, runId);

    const sql = loadMigrations().find((migration) => migration.version === 3)?.sql;
    expect(sql, 'migration 0003 ships with the package').toBeDefined();
    const client = await pool.connect();
    try {
      await client.query(`SET search_path TO "${schema}"`);
      await client.query(sql as string);
    } finally {
      await client.query('RESET search_path');
      client.release();
    }
    expect(await markerOf(schema, runId)).toBe(String(marker));
  });

  it('never moves backwards: an older external event leaves a newer marker alone', async () => {
    const schema = 'guard_greatest';
    const storage = storageFor(schema);
    await storage.setup();
    const created = await storage.events.create(null, {
      eventType: 'run_created',
      ...spec,
      eventData: { deploymentId: 'dpl', workflowName: 'workflow//greatest', input: bytes('in') },
    });
    const runId = created.run?.runId as string;
    await storage.events.create(runId, { eventType: 'run_started', ...spec });
    // As if another process with a clock ahead of ours had recorded a result a minute from now.
    const ahead = Date.now() + 60_000;
    await pool.query(`UPDATE "${schema}".runs SET external_update_at = $2 WHERE run_id = $1`, [
      runId,
      ahead,
    ]);

    const marker = await completeStepExternally(storage, runId);
    expect(marker).toBeLessThan(ahead);
    expect(await markerOf(schema, runId)).toBe(String(ahead));
    await expect(
      storage.events.create(runId, waitRequest(), { stateUpdatedAt: marker }),
    ).rejects.toSatisfy(PreconditionFailedError.is);
    const passed = await storage.events.create(runId, waitRequest(), { stateUpdatedAt: ahead });
    expect(passed.wait?.status).toBe('waiting');
  });
});
