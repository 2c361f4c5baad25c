import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { UpgradeRecord } from '@worldkit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createLocalVersionStore } from './local-versions.js';

let dataDir: string;
afterAll(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const record: UpgradeRecord = {
  schemaVersion: 1,
  id: 'upg_1',
  runId: 'wrun_old',
  newRunId: 'wrun_new',
  workflowName: 'workflow//./w//f',
  fromVersion: 'v1',
  toVersion: 'v2',
  strategy: 'cancel-and-restart',
  status: 'completed',
  copiedEvents: 0,
  createdAt: new Date('2025-02-03T04:05:06.007Z'),
  updatedAt: new Date('2025-02-03T04:05:06.007Z'),
};

describe('local upgrade log', () => {
  it('persists upgrade records in versions.json and reads them back after a restart', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'worldkit-upgrades-'));
    const first = createLocalVersionStore({ dataDir });
    await first.upgrades?.record(record);
    await first.close?.();

    const onDisk = JSON.parse(await readFile(path.join(dataDir, 'versions.json'), 'utf8'));
    expect(onDisk.upgrades).toHaveLength(1);

    const second = createLocalVersionStore({ dataDir });
    expect(await second.upgrades?.findByRun('wrun_old')).toEqual([record]);
    await second.close?.();
  });

  it('reads a versions.json written before upgrade logs existed as an empty log', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'worldkit-upgrades-old-'));
    await writeFile(path.join(dir, 'versions.json'), '{"format":1,"currentId":null,"versions":[]}');
    const store = createLocalVersionStore({ dataDir: dir });
    expect(await store.upgrades?.list()).toEqual([]);
    await store.close?.();
    await rm(dir, { recursive: true, force: true });
  });
});
