import { SPEC_VERSION_CURRENT, type Storage } from '@workflow/world';
import { startPostgresServer } from '@worldkit/test-servers';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStorage, type PostgresStorage } from './postgres-storage.js';

/**
 * Legacy (spec 1) runs carry plain JSON chosen by the user, which may look exactly like the
 * tags stored values use (`$wk:date`, `$wk:bytes`, `$wk:text`, …). They must come back as
 * written, and rows written before the escape existed must still read back.
 */

const ISO = '2026-01-02T03:04:05.678Z';
const LOOKALIKES = {
  date: { '$wk:date': ISO },
  notADate: { '$wk:date': 'soon' },
  bytes: { '$wk:bytes': 'AA==' },
  text: { '$wk:text': 'YQAAAGIA' },
  textWithNul: { '$wk:text': 'a\u0000b' },
  blob: { '$wk:blob': 'blob_01ARZ3NDEKTSV4RRFFQ69G5FAV' },
  brokenBlob: { '$wk:blob': 'x' },
  blobJson: { '$wk:blobjson': 'x' },
  escaped: { '$wk:literal': { '$wk:date': ISO } },
  gzip: { '$wk:gzip': 'H4sIAAAAAAAA' },
  list: [{ '$wk:bytes': '' }, { '$wk:date': 5 }, { '$wk:blob': null }],
  nested: { a: { b: { '$wk:date': { '$wk:bytes': 'AA==' } } } },
};
/** Whole inputs: the object above, and lookalikes as the entire value. */
const INPUTS: unknown[] = [
  LOOKALIKES,
  { '$wk:blob': 'x' },
  { '$wk:date': ISO },
  { '$wk:literal': { '$wk:text': 'YQA=' } },
  [{ '$wk:bytes': 'AA==' }, 'a\u0000', { '$wk:unknown': 1 }],
];
const SCHEMA = 'tag_lookalikes';
/** Legacy runs: only `run_created` is accepted; their input is the user's JSON. */
const legacy = { specVersion: 1 } as const;
/** Entities of a current run; the storage stores whatever value it is handed. */
const spec = { specVersion: SPEC_VERSION_CURRENT } as const;

let server: Awaited<ReturnType<typeof startPostgresServer>>;
let pool: pg.Pool;
let storage: PostgresStorage;
beforeAll(async () => {
  server = await startPostgresServer();
  pool = new pg.Pool({ connectionString: server.url, max: 4 });
  storage = createPostgresStorage({ pool, schema: SCHEMA });
  await storage.setup();
});
afterAll(async () => {
  await storage?.close();
  await pool?.end();
  await server?.stop();
});

async function createRun(
  store: Storage,
  workflowName: string,
  input: unknown,
  version: { specVersion: number } = legacy,
) {
  const created = await store.events.create(null, {
    eventType: 'run_created',
    ...version,
    eventData: { deploymentId: 'dpl_lookalikes', workflowName, input },
  } as never);
  return created.run?.runId as string;
}

describe('PostgreSQL: user values shaped like stored-value tags', () => {
  it('round-trip as legacy run inputs: runs.get, runs.list and events.list', async () => {
    const workflowName = 'workflow//lookalikes';
    const runIds: string[] = [];
    for (const input of INPUTS) {
      const runId = await createRun(storage, workflowName, input);
      runIds.push(runId);
      expect((await storage.runs.get(runId)).input).toStrictEqual(input);
      const [created] = (await storage.events.list({ runId, resolveData: 'all' })).data;
      expect((created as { eventData: { input: unknown } }).eventData.input).toStrictEqual(input);
    }
    const listed = await storage.runs.list({
      workflowName,
      resolveData: 'all',
      pagination: { limit: 100 },
    });
    const inputOf = new Map(
      listed.data.map((run) => [run.runId, (run as { input: unknown }).input]),
    );
    expect(runIds.map((runId) => inputOf.get(runId))).toStrictEqual(INPUTS);
  });

  it('round-trip through steps, hooks and their events', async () => {
    for (const input of INPUTS) {
      const runId = await createRun(storage, 'workflow//entities', new Uint8Array([1]), spec);
      await storage.events.create(runId, { eventType: 'run_started', ...spec } as never);
      await storage.events.create(runId, {
        eventType: 'step_created',
        ...spec,
        correlationId: 'step_1',
        eventData: { stepName: 'step//lookalike', input },
      } as never);
      await storage.events.create(runId, {
        eventType: 'step_started',
        ...spec,
        correlationId: 'step_1',
      } as never);
      await storage.events.create(runId, {
        eventType: 'step_completed',
        ...spec,
        correlationId: 'step_1',
        eventData: { result: input },
      } as never);
      await storage.events.create(runId, {
        eventType: 'hook_created',
        ...spec,
        correlationId: `hook_${runId}`,
        eventData: { token: `token-${runId}`, metadata: input },
      } as never);

      const step = await storage.steps.get(runId, 'step_1');
      expect(step.input).toStrictEqual(input);
      expect(step.output).toStrictEqual(input);
      expect((await storage.hooks.getByToken(`token-${runId}`)).metadata).toStrictEqual(input);
      const events = await storage.events.list({ runId, resolveData: 'all' });
      const data = Object.fromEntries(
        events.data.map((event) => [event.eventType, (event as { eventData?: unknown }).eventData]),
      );
      expect((data.step_created as { input: unknown }).input).toStrictEqual(input);
      expect((data.step_completed as { result: unknown }).result).toStrictEqual(input);
      expect((data.hook_created as { metadata: unknown }).metadata).toStrictEqual(input);
    }
  });

  it('rows written before the escape existed read back as before', async () => {
    const runId = await createRun(storage, 'workflow//old-rows', 'replaced below');
    // Exactly what earlier releases wrote: genuine tags, and user lookalikes unescaped.
    const oldText = JSON.stringify({
      at: { '$wk:date': ISO },
      bytes: { '$wk:bytes': 'AAEA' },
      nul: { '$wk:text': 'YQAAAGIA' },
      notADate: { '$wk:date': 'soon' },
      notText: { '$wk:text': 'YQA=' },
      blob: { '$wk:blob': 'x' },
      twoMembers: { '$wk:bytes': 'AA==', other: 1 },
    });
    await pool.query(`UPDATE "${SCHEMA}".runs SET input = $1::jsonb WHERE run_id = $2`, [
      oldText,
      runId,
    ]);
    const expected = {
      at: new Date(ISO),
      bytes: new Uint8Array([0, 1, 0]),
      nul: 'a\u0000b',
      notADate: { '$wk:date': 'soon' },
      notText: { '$wk:text': 'YQA=' },
      blob: { '$wk:blob': 'x' },
      twoMembers: { '$wk:bytes': 'AA==', other: 1 },
    };
    expect((await storage.runs.get(runId)).input).toStrictEqual(expected);
    const listed = await storage.runs.list({ workflowName: 'workflow//old-rows' });
    expect((listed.data[0] as { input: unknown }).input).toStrictEqual(expected);
  });
});
