import { startPostgresServer } from '@worldkit/test-servers';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStorage, type PostgresStorage } from './postgres-storage.js';

/**
 * Rows written before the `$wk:literal` escape existed must still read back as before. That user
 * values shaped like tags round-trip is checked for every storage by the conformance kit
 * (@worldkit/testing, group "user values shaped like stored-value tags").
 */

const ISO = '2026-01-02T03:04:05.678Z';
const SCHEMA = 'tag_lookalikes';

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

describe('PostgreSQL: user values shaped like stored-value tags', () => {
  it('rows written before the escape existed read back as before', async () => {
    const created = await storage.events.create(null, {
      eventType: 'run_created',
      specVersion: 1,
      eventData: { deploymentId: 'dpl_lookalikes', workflowName: 'workflow//old-rows', input: 0 },
    } as never);
    const runId = created.run?.runId as string;
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
