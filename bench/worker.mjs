#!/usr/bin/env node
/**
 * Measures one World in this process and prints one JSON line (prefixed `BENCH_RESULT `).
 * Each World runs in its own process because the workflow bundles, the runtime's World
 * cache and the handler registry are process-wide globals.
 *
 *   node bench/worker.mjs --world worldkit-file|worldkit-memory|world-local
 *        [--runs 100] [--latency-runs 20] [--warmup-runs 5] [--data-dir <dir>] [--bare]
 *
 * `--bare`: do not open the idle listening socket (see listening-socket.mjs).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadWorkflowCode } from '@worldkit/core';
import './promise-with-resolvers.mjs';
import { trackCompletions } from './completion-tracker.mjs';
import { openListeningSocket } from './listening-socket.mjs';
import { round, summarize } from './stats.mjs';

const WORLDS = {
  'worldkit-file': async ({ dataDir }) =>
    (await import('./worlds/worldkit-local.mjs')).openWorldkitLocal({ dataDir }),
  'worldkit-memory': async () =>
    (await import('./worlds/worldkit-local.mjs')).openWorldkitLocal({}),
  'world-local': async ({ dataDir }) =>
    (await import('./worlds/world-local.mjs')).openWorldLocal({ dataDir }),
};

const { values: args } = parseArgs({
  options: {
    world: { type: 'string' },
    runs: { type: 'string', default: '100' },
    'latency-runs': { type: 'string', default: '20' },
    'warmup-runs': { type: 'string', default: '5' },
    'data-dir': { type: 'string' },
    bare: { type: 'boolean', default: false },
  },
});
if (!args.world || !WORLDS[args.world]) {
  console.error(`--world must be one of: ${Object.keys(WORLDS).join(', ')}`);
  process.exit(2);
}
const runs = positiveInt('runs');
const latencyRuns = positiveInt('latency-runs');
const warmupRuns = positiveInt('warmup-runs');

const benchDirectory = import.meta.dirname;
const dataDir = args['data-dir'] ?? (await mkdtemp(join(tmpdir(), `bench-${args.world}-`)));

const socket = args.bare ? undefined : await openListeningSocket();
const opened = await WORLDS[args.world]({ dataDir });
const { world } = opened;
const tracker = trackCompletions(world);
const code = loadWorkflowCode({
  world,
  directory: benchDirectory,
  deploymentId: await world.getDeploymentId(),
});
opened.afterLoad(code);
await world.start();

const { start } = await import('workflow/api');
const threeSteps = code.workflow('threeSteps');

/** Starts one run and resolves with its start→terminal-event latency. */
async function timedRun(index) {
  const startedAt = performance.now();
  const run = await start(threeSteps, [index]);
  const outcome = await tracker.completion(run.runId);
  return { runId: run.runId, status: outcome.status, latencyMs: outcome.at - startedAt };
}

async function concurrentPass(count, offset) {
  const startedAt = performance.now();
  const results = await Promise.all(
    Array.from({ length: count }, (_, index) => timedRun(offset + index)),
  );
  return { results, elapsedMs: performance.now() - startedAt };
}

// Warm-up: first-run costs (JIT, directory creation, bundle initialisation) are not the World's speed.
await concurrentPass(warmupRuns, 0);

const latency = [];
for (let index = 0; index < latencyRuns; index++) latency.push(await timedRun(1000 + index));

const throughput = await concurrentPass(runs, 10_000);

const all = [...latency, ...throughput.results];
const failed = all.filter((result) => result.status !== 'run_completed');
// Spot-check the stored outcome of every measured run, outside the timed section.
const wrongOutput = [];
for (const { runId } of throughput.results.slice(0, 20)) {
  const run = await world.runs.get(runId);
  if (run.status !== 'completed') wrongOutput.push(`${runId}: ${run.status}`);
}

const result = {
  world: args.world,
  description: opened.description,
  node: process.version,
  listeningSocket: Boolean(socket),
  runs,
  latencyRuns,
  failedRuns: failed.length + wrongOutput.length,
  sequential: summarize(latency.map((result) => result.latencyMs)),
  concurrent: {
    ...summarize(throughput.results.map((result) => result.latencyMs)),
    totalMs: round(throughput.elapsedMs),
    runsPerSecond: round((runs / throughput.elapsedMs) * 1000, 2),
  },
};

await world.close();
socket?.close();
if (!args['data-dir']) await rm(dataDir, { recursive: true, force: true });
process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
process.exit(0);

function positiveInt(name) {
  const value = Number(args[name]);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`--${name} must be a positive integer (got ${args[name]})`);
    process.exit(2);
  }
  return value;
}
