#!/usr/bin/env node
/**
 * Micro-benchmark of the app's write path: `events.create` on a data directory (built dist).
 *
 *   node packages/local/scripts/bench-events-create.mjs [runs=2000]
 *
 * Sequential: one run at a time, each run_created + run_started + step_created + step_started +
 * step_completed + run_completed awaited in turn (what one workflow does). Concurrent: the same
 * six events for every run, all runs at once (group commit). Prints each of 5 rounds and the
 * median µs/event of each mode.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SPEC_VERSION_CURRENT } from '@workflow/world';
import { createLocalStorage } from '@worldkit/local';

const runs = Number(process.argv[2] ?? 2000);
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const spec = SPEC_VERSION_CURRENT;
const input = new Uint8Array(64);

async function oneRun(storage) {
  const created = await storage.events.create(null, {
    eventType: 'run_created',
    specVersion: spec,
    eventData: { deploymentId: 'bench', workflowName: 'wf', input },
  });
  const runId = created.run.runId;
  await storage.events.create(runId, { eventType: 'run_started', specVersion: spec });
  await storage.events.create(runId, {
    eventType: 'step_created',
    specVersion: spec,
    correlationId: 'step_1',
    eventData: { stepName: 'step', input },
  });
  await storage.events.create(runId, {
    eventType: 'step_started',
    specVersion: spec,
    correlationId: 'step_1',
  });
  await storage.events.create(runId, {
    eventType: 'step_completed',
    specVersion: spec,
    correlationId: 'step_1',
    eventData: { result: input },
  });
  await storage.events.create(runId, {
    eventType: 'run_completed',
    specVersion: spec,
    eventData: { output: input },
  });
}

const results = { sequential: [], concurrent: [] };

async function measure(label, body) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'worldkit-bench-'));
  const storage = createLocalStorage({ dataDir, logger: quiet });
  await storage.start?.();
  const began = process.hrtime.bigint();
  await body(storage);
  const seconds = Number(process.hrtime.bigint() - began) / 1e9;
  await storage.close?.();
  await rm(dataDir, { recursive: true, force: true });
  const events = runs * 6;
  results[label]?.push((seconds * 1e6) / events);
  console.log(
    `${label.padEnd(11)} ${events} events in ${seconds.toFixed(2)} s: ` +
      `${Math.round(events / seconds)} events/s, ${((seconds * 1e6) / events).toFixed(1)} µs/event`,
  );
}

// One warm-up round so the JIT and the page cache do not favour whichever runs second.
await measure('warm-up', async (storage) => {
  for (let i = 0; i < Math.min(runs, 200); i++) await oneRun(storage);
});
const rounds = 5;
for (let round = 0; round < rounds; round++) {
  await measure('sequential', async (storage) => {
    for (let i = 0; i < runs; i++) await oneRun(storage);
  });
  await measure('concurrent', async (storage) => {
    await Promise.all(Array.from({ length: runs }, () => oneRun(storage)));
  });
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
for (const [label, values] of Object.entries(results)) {
  const us = median(values);
  console.log(`median ${label}: ${us.toFixed(1)} µs/event (${Math.round(1e6 / us)} events/s)`);
}
