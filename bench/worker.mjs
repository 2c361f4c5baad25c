#!/usr/bin/env node
/**
 * Measures one World in this process and prints one JSON line (prefixed `BENCH_RESULT `).
 * Each World runs in its own process because the workflow bundles, the runtime's World
 * cache and the handler registry are process-wide globals — and so its peak RSS is its own.
 *
 *   node bench/worker.mjs --world <name from bench/worlds/*.mjs>
 *        [--runs 50] [--latency-runs 20] [--warmup-runs 5] [--breakdown-runs 10]
 *        [--data-dir <dir>] [--bare]
 *
 * Services the World needs (see services.mjs) arrive from run.mjs as JSON in BENCH_SERVICES.
 * `--bare`: do not open the idle listening socket (see listening-socket.mjs).
 * `--breakdown-runs`: sequential runs traced after the measured passes to split a step's time
 * (time-breakdown.mjs); 0 skips them.
 * `--growth`: measure the growth workloads (growth.mjs) instead of the passes above.
 * `--payload-hook`: measure the payload and hook workloads (payload-hook-workloads.mjs) instead.
 * `--scale-out`: the concurrent pass with this process alone, then with a second process
 * (scale-out.mjs) instead.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadWorkflowCode } from '@worldkit/core';
// Imported before the bundles load, as an app would (the runtime shares state with them).
import { resumeHook, start } from 'workflow/api';
import { trackCompletions } from './completion-tracker.mjs';
import { attributeEventWrites } from './event-write-requests.mjs';
import { measureGrowth } from './growth.mjs';
import { watchHooks } from './hook-watcher.mjs';
import { openListeningSocket } from './listening-socket.mjs';
import { measurePayloadAndHook } from './payload-hook-workloads.mjs';
import { countRoundTrips } from './round-trip-counter.mjs';
import { measureScaleOut } from './scale-out.mjs';
import { round, summarize } from './stats.mjs';
import { countStorageCalls } from './storage-call-counter.mjs';
import { startTimeBreakdown } from './time-breakdown.mjs';
import { loadWorldCatalog } from './world-catalog.mjs';

/** The workload: a workflow awaiting three trivial steps (workflows/three-steps.ts). */
const STEPS_PER_RUN = 3;

const { values: args } = parseArgs({
  options: {
    world: { type: 'string' },
    runs: { type: 'string', default: '50' },
    'latency-runs': { type: 'string', default: '20' },
    'warmup-runs': { type: 'string', default: '5' },
    'breakdown-runs': { type: 'string', default: '10' },
    growth: { type: 'boolean', default: false },
    'payload-hook': { type: 'boolean', default: false },
    'scale-out': { type: 'boolean', default: false },
    'data-dir': { type: 'string' },
    bare: { type: 'boolean', default: false },
  },
});
const catalog = await loadWorldCatalog();
const definition = catalog.get(args.world ?? '');
if (!definition) {
  console.error(`--world must be one of: ${[...catalog.keys()].join(', ')}`);
  process.exit(2);
}
const runs = positiveInt('runs');
const latencyRuns = positiveInt('latency-runs');
const warmupRuns = positiveInt('warmup-runs');
const breakdownRuns = Number(args['breakdown-runs']) || 0;
const services = JSON.parse(process.env.BENCH_SERVICES ?? '{}');
const missing = definition.needs.filter((service) => !services[service]);
if (missing.length > 0) {
  console.error(`${definition.name} needs ${missing.join(', ')} (BENCH_SERVICES; run via run.mjs)`);
  process.exit(2);
}

const benchDirectory = import.meta.dirname;
const dataDir = args['data-dir'] ?? (await mkdtemp(join(tmpdir(), `bench-${definition.name}-`)));

const socket = args.bare ? undefined : await openListeningSocket();
// Before the World opens, so its clients' first requests are counted like the rest.
const roundTrips = countRoundTrips();
const opened = await definition.open({ dataDir, services });
const { world } = opened;
const storageCalls = countStorageCalls(world);
const tracker = trackCompletions(world);
const eventWrites = attributeEventWrites(world, roundTrips);
const code = loadWorkflowCode({
  world,
  directory: benchDirectory,
  deploymentId: await world.getDeploymentId(),
});
opened.afterLoad(code);
await world.start();

if (args.growth) {
  const growth = await measureGrowth({
    workflow: (name) => code.workflow(name),
    start,
    tracker,
    roundTrips,
    storageCalls,
    storageBytes: opened.storageBytes,
  });
  await finish({
    world: definition.name,
    growth,
    peakRssMb: round(process.resourceUsage().maxRSS / 1024, 1),
  });
}

if (args['payload-hook']) {
  const payloadHook = await measurePayloadAndHook({
    workflow: (name) => code.workflow(name),
    start,
    resumeHook,
    tracker,
    hooks: watchHooks(world),
    roundTrips,
    storageCalls,
    eventWrites,
    storageBytes: opened.storageBytes,
  });
  await finish({
    world: definition.name,
    payloadHook,
    peakRssMb: round(process.resourceUsage().maxRSS / 1024, 1),
  });
}

const threeSteps = code.workflow('threeSteps');

if (args['scale-out']) {
  const scaleOut = await measureScaleOut({
    worldName: definition.name,
    services,
    bare: args.bare,
    runs,
    warmupRuns,
    startRun: async (index) => (await start(threeSteps, [index])).runId,
    tracker,
  });
  await finish({
    world: definition.name,
    scaleOut,
    peakRssMb: round(process.resourceUsage().maxRSS / 1024, 1),
  });
}

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

/** Storage calls of a pass, per run and per workflow step. */
function storageCost(runCount) {
  const { total, byMethod } = storageCalls.snapshot();
  return {
    total,
    perRun: round(total / runCount, 1),
    perStep: round(total / (runCount * STEPS_PER_RUN), 2),
    byMethod,
  };
}

/**
 * Network requests of a pass (round-trip-counter.mjs), per run and per workflow step, and
 * those caused by `events.create` calls, per call (event-write-requests.mjs).
 */
function networkCost(runCount) {
  const { total, byKind } = roundTrips.snapshot();
  return {
    total,
    perRun: round(total / runCount, 1),
    perStep: round(total / (runCount * STEPS_PER_RUN), 2),
    byKind,
    eventWrites: eventWrites.snapshot(),
  };
}

function resetCounters() {
  storageCalls.reset();
  roundTrips.reset();
  eventWrites.reset();
}

/** The World's stored bytes now (storage-size.mjs), or undefined for a memory-only World. */
async function storedBytes() {
  return opened.storageBytes ? await opened.storageBytes() : undefined;
}

// Warm-up: first-run costs (JIT, bundle initialisation, connections) are not the World's speed.
await concurrentPass(warmupRuns, 0);
// After the warm-up, so tables a World creates on first use are not charged to the steps below.
const bytesAtStart = await storedBytes();

resetCounters();
const sequentialStartedAt = performance.now();
const latency = [];
for (let index = 0; index < latencyRuns; index++) latency.push(await timedRun(1000 + index));
const sequentialElapsedMs = performance.now() - sequentialStartedAt;
const sequentialStorage = storageCost(latencyRuns);
const sequentialNetwork = networkCost(latencyRuns);

resetCounters();
const throughput = await concurrentPass(runs, 10_000);
const concurrentStorage = storageCost(runs);
const concurrentNetwork = networkCost(runs);
// The sequential and concurrent runs are in storage now; the traced runs come later.
const bytesAfterPasses = await storedBytes();
const stepsStored = (latencyRuns + runs) * STEPS_PER_RUN;

// Traced last, so tracing costs the passes above nothing.
let breakdown;
if (breakdownRuns > 0) {
  const traced = await startTimeBreakdown();
  const tracedLatency = [];
  for (let index = 0; index < breakdownRuns; index++) {
    tracedLatency.push((await timedRun(20_000 + index)).latencyMs);
  }
  breakdown = traced.summarize(breakdownRuns, STEPS_PER_RUN);
  if (breakdown) breakdown.latencyMs = summarize(tracedLatency);
}

const all = [...latency, ...throughput.results];
const failed = all.filter((result) => result.status !== 'run_completed');
// Spot-check the stored outcome of measured runs, outside the timed section.
const wrongOutput = [];
for (const { runId } of throughput.results.slice(0, 20)) {
  const run = await world.runs.get(runId);
  if (run.status !== 'completed') wrongOutput.push(`${runId}: ${run.status}`);
}

const result = {
  world: definition.name,
  description: opened.description,
  node: process.version,
  listeningSocket: Boolean(socket),
  runs,
  latencyRuns,
  failedRuns: failed.length + wrongOutput.length,
  sequential: {
    ...summarize(latency.map((result) => result.latencyMs)),
    totalMs: round(sequentialElapsedMs),
    runsPerSecond: round((latencyRuns / sequentialElapsedMs) * 1000, 2),
    storageCalls: sequentialStorage,
    network: sequentialNetwork,
  },
  concurrent: {
    ...summarize(throughput.results.map((result) => result.latencyMs)),
    totalMs: round(throughput.elapsedMs),
    runsPerSecond: round((runs / throughput.elapsedMs) * 1000, 2),
    storageCalls: concurrentStorage,
    network: concurrentNetwork,
  },
  breakdown,
  storedBytes:
    bytesAtStart === undefined
      ? null
      : {
          atStart: bytesAtStart,
          afterPasses: bytesAfterPasses,
          steps: stepsStored,
          perStep: round((bytesAfterPasses - bytesAtStart) / stepsStored, 0),
        },
  // maxRSS is the process's peak resident set (KiB on Linux), whatever the moment.
  peakRssMb: round(process.resourceUsage().maxRSS / 1024, 1),
};

await finish(result);

/**
 * Prints the result line, then closes what this worker opened. Closing is bounded: a run
 * that did not finish (growth.mjs) may keep a World's close waiting, and the figures are out.
 */
async function finish(measured) {
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(measured)}\n`);
  const closed = (async () => {
    await world.close();
    await opened.close?.();
    socket?.close();
    if (!args['data-dir']) await rm(dataDir, { recursive: true, force: true });
  })();
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 15_000))]);
  process.exit(0);
}

function positiveInt(name) {
  const value = Number(args[name]);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`--${name} must be a positive integer (got ${args[name]})`);
    process.exit(2);
  }
  return value;
}
