import type { UpgradeRecord } from '@worldkit/core';
import { startPostgresServer } from '@worldkit/test-servers';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresVersionStore } from './postgres-version-store.js';

let server: Awaited<ReturnType<typeof startPostgresServer>>;
let pool: pg.Pool;
beforeAll(async () => {
  server = await startPostgresServer();
  pool = new pg.Pool({ connectionString: server.url, max: 2 });
});
afterAll(async () => {
  await pool?.end();
  await server?.stop();
});

const entry = (id: string, createdAt: string, status: UpgradeRecord['status']): UpgradeRecord => ({
  schemaVersion: 1,
  id,
  runId: `wrun_${id}`,
  newRunId: `wrun_${id}_next`,
  workflowName: 'workflow//./workflows/orders//orderWorkflow',
  fromVersion: 'vers_old',
  toVersion: 'vers_new',
  strategy: 'cancel-and-partial-resume',
  status,
  cutAfterEventId: 'wevt_01',
  copiedEvents: 2,
  createdAt: new Date(createdAt),
  updatedAt: new Date(createdAt),
});

describe('PostgreSQL upgrade log', () => {
  it('outlives the store that wrote it and lists oldest first whatever the write order', async () => {
    const settings = { connectionString: server.url, schema: 'upgrade_log_durable' };
    const writer = createPostgresVersionStore(settings);
    await writer.upgrades.record(entry('upg_late', '2025-02-01T00:00:00.000Z', 'started'));
    await writer.upgrades.record(entry('upg_early', '2025-01-01T00:00:00.000Z', 'completed'));
    await writer.upgrades.record(entry('upg_late', '2025-02-01T00:00:00.000Z', 'completed'));
    await writer.close();

    const reader = createPostgresVersionStore(settings);
    try {
      expect(await reader.upgrades.list()).toEqual([
        entry('upg_early', '2025-01-01T00:00:00.000Z', 'completed'),
        entry('upg_late', '2025-02-01T00:00:00.000Z', 'completed'),
      ]);
      const rows = await pool.query(
        'SELECT upgrade_id, status, schema_version FROM upgrade_log_durable.upgrades ORDER BY upgrade_id',
      );
      expect(rows.rows).toEqual([
        { upgrade_id: 'upg_early', status: 'completed', schema_version: 1 },
        { upgrade_id: 'upg_late', status: 'completed', schema_version: 1 },
      ]);
    } finally {
      await reader.close();
    }
  });

  it('refuses a malformed record instead of storing it', async () => {
    const store = createPostgresVersionStore({
      connectionString: server.url,
      schema: 'upgrade_log_invalid',
    });
    try {
      const malformed = { ...entry('upg_bad', '2025-01-01T00:00:00.000Z', 'started'), runId: '' };
      await expect(store.upgrades.record(malformed)).rejects.toThrow(/runId|too_small|>=1/);
      expect(await store.upgrades.list()).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
