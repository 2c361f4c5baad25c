import { describe, expect, it } from 'vitest';
import type { UpgradeRecord } from '../contracts/versions.js';
import { createMemoryVersionStore, type MemoryVersionState } from './memory-version-store.js';

const record = (id: string, runId: string, status: UpgradeRecord['status']): UpgradeRecord => ({
  schemaVersion: 1,
  id,
  runId,
  newRunId: `${runId}-new`,
  workflowName: 'workflow//./w//f',
  fromVersion: 'v1',
  toVersion: 'v2',
  strategy: 'cancel-and-resume',
  status,
  copiedEvents: 0,
  createdAt: new Date(0),
  updatedAt: new Date(0),
});

describe('memory version store upgrade log', () => {
  it('replaces a record by id, finds it by old run, lists by new run and version', async () => {
    const states: MemoryVersionState[] = [];
    const store = createMemoryVersionStore({ onChange: (state) => states.push(state) });
    await store.upgrades?.record(record('upg_1', 'run_a', 'started'));
    await store.upgrades?.record(record('upg_1', 'run_a', 'completed'));
    await store.upgrades?.record(record('upg_2', 'run_b', 'started'));

    const byRun = await store.upgrades?.findByRun('run_a');
    expect(byRun?.map((entry) => entry.status)).toEqual(['completed']);
    expect((await store.upgrades?.list({ runId: 'run_b-new' }))?.map((entry) => entry.id)).toEqual([
      'upg_2',
    ]);
    expect(await store.upgrades?.list({ versionId: 'v3' })).toEqual([]);
    expect(await store.upgrades?.list({ versionId: 'v1' })).toHaveLength(2);
    // Every change reaches onChange, so a persisting store (e.g. @worldkit/local) saves it.
    expect(states.at(-1)?.upgrades.map((entry) => entry.id)).toEqual(['upg_1', 'upg_2']);

    const reloaded = createMemoryVersionStore({ initial: { ...states.at(-1)! } });
    expect(await reloaded.upgrades?.findByRun('run_b')).toHaveLength(1);
  });
});
