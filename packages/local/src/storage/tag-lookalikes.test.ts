import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ulid } from 'ulid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalStorage } from './local-storage.js';

/**
 * The journal stores values as tagged JSON: legacy (spec 1) inputs shaped like its tags must
 * come back exactly as written after the data directory is reopened (read from the journal).
 */

const ISO = '2026-01-02T03:04:05.678Z';
const INPUTS: unknown[] = [
  {
    date: { '$wk:date': ISO },
    notADate: { '$wk:date': 'soon' },
    bytes: { '$wk:bytes': 'AA==' },
    blob: { '$wk:blob': 'x' },
    escaped: { '$wk:literal': { '$wk:bytes': 'AA==' } },
    list: [{ '$wk:text': 'YQA=' }, { '$wk:date': 5 }],
  },
  { '$wk:date': ISO },
  { '$wk:bytes': 'AA==' },
];

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'worldkit-local-lookalikes-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('local storage: user values shaped like stored-value tags', () => {
  it('round-trip through the journal: runs.get, runs.list and events.list after reopening', async () => {
    const writer = createLocalStorage({ dataDir });
    const runIds: string[] = [];
    try {
      for (const input of INPUTS) {
        const runId = `wrun_${ulid()}`;
        await writer.events.create(runId, {
          eventType: 'run_created',
          specVersion: 1,
          eventData: { deploymentId: 'dpl_1', workflowName: 'wf//lookalikes', input },
        } as never);
        runIds.push(runId);
      }
    } finally {
      await writer.close?.();
    }

    const reader = createLocalStorage({ dataDir });
    try {
      for (const [index, runId] of runIds.entries()) {
        expect((await reader.runs.get(runId)).input).toStrictEqual(INPUTS[index]);
        const [created] = (await reader.events.list({ runId, resolveData: 'all' })).data;
        expect((created as { eventData: { input: unknown } }).eventData.input).toStrictEqual(
          INPUTS[index],
        );
      }
      const listed = await reader.runs.list({ workflowName: 'wf//lookalikes', resolveData: 'all' });
      const inputOf = new Map(
        listed.data.map((run) => [run.runId, (run as { input: unknown }).input]),
      );
      expect(runIds.map((runId) => inputOf.get(runId))).toStrictEqual(INPUTS);
    } finally {
      await reader.close?.();
    }
  });
});
