#!/usr/bin/env node
/**
 * Runs each World's benchmark in its own child process, one after another, against one
 * throw-away set of backing services started here (PostgreSQL, Redis, DynamoDB Local, fauxqs:
 * whatever the selected Worlds need, see services.mjs), and prints a comparison. Results go to
 * bench/results/latest.json and docs/performance.md (+ docs/performance.svg).
 *
 *   node bench/run.mjs [--quick] [--runs 50] [--latency-runs 20] [--rounds 3]
 *                      [--worlds a,b,c] [--timeout-seconds 180] [--bare] [--skip-docs]
 *                      [--skip-growth] [--skip-payload-hook] [--skip-scale-out]
 *
 * --quick      one round, 5 sequential runs, 3 warm-up runs (about a minute, plus a few for
 *              the payload/hook and 1-vs-2-process passes, which --quick keeps)
 * --rounds R   measure every World R times, rotating the order each round, and report the
 *              round with the median runs/s (a shared machine drifts; rotation spreads the
 *              drift over all Worlds instead of favouring whoever ran first).
 * --worlds     a subset; docs/performance.md is then left alone unless --docs is given.
 * --bare       run workers without the idle listening socket (see listening-socket.mjs).
 * --skip-growth  leave out the growth workloads (growth.mjs: runs of 3, 30 and 300 steps and a
 *              10 + 100 fan-out, once per World after the rounds); --quick leaves them out too.
 * --skip-scale-out  leave out the 1-vs-2-process passes (scale-out.mjs: the concurrent pass
 *              with the worker alone, then with a second process on the same queue and
 *              storage, for the Worlds that declare `scalesOut`).
 * --skip-payload-hook  leave out the payload and hook workloads (payload-hook-workloads.mjs:
 *              10-step runs with 1 KB and 256 KB payloads, a run with a hook and a 1 s sleep;
 *              a few runs each, so they run with --quick too).
 *
 * Worlds are the files in bench/worlds/ (see world-catalog.mjs); services in services.mjs.
 * Env fallbacks: BENCH_RUNS, BENCH_LATENCY_RUNS, BENCH_ROUNDS, BENCH_TIMEOUT_SECONDS.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { formatTable } from './format-table.mjs';
import {
  HOOK_SLEEP_HEADER,
  hookSleepRows,
  PAYLOAD_HEADER,
  payloadRows,
  renderGrowthSvg,
  renderPerformanceMarkdown,
  renderRunsPerSecondSvg,
  SCALE_OUT_HEADER,
  scaleOutRows,
  TABLE_HEADER,
  tableRows,
} from './performance-report.mjs';
import { runWorker } from './run-worker.mjs';
import { SERVICES } from './services.mjs';
import { round } from './stats.mjs';
import { loadWorldCatalog } from './world-catalog.mjs';

/** Row order: Worldkit Worlds first, then the peers every ratio is taken against. */
const PREFERRED_ORDER = [
  'worldkit-file',
  'worldkit-memory',
  'worldkit-postgres',
  'worldkit-pg-bullmq',
  'worldkit-dynamodb-sqs',
  'world-local',
  'world-postgres',
];
const PEERS = ['world-local', 'world-postgres'];

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string', default: process.env.BENCH_RUNS ?? '50' },
    'latency-runs': { type: 'string', default: process.env.BENCH_LATENCY_RUNS },
    'warmup-runs': { type: 'string' },
    rounds: { type: 'string', default: process.env.BENCH_ROUNDS },
    worlds: { type: 'string' },
    'timeout-seconds': { type: 'string', default: process.env.BENCH_TIMEOUT_SECONDS ?? '180' },
    bare: { type: 'boolean', default: false },
    docs: { type: 'boolean', default: false },
    'skip-docs': { type: 'boolean', default: false },
    'skip-growth': { type: 'boolean', default: false },
    'skip-payload-hook': { type: 'boolean', default: false },
    'skip-scale-out': { type: 'boolean', default: false },
  },
});
const measureGrowthToo = !args.quick && !args['skip-growth'];
/** A growth worker runs several long runs; each is bounded by growth.mjs's own deadline. */
const GROWTH_TIMEOUT_MS = 15 * 60_000;
/** Short (a few runs of 10 steps and two 1 s sleeps), so it runs with --quick too. */
const measurePayloadHookToo = !args['skip-payload-hook'];
/** Eight runs of at most 60 s each (payload-hook-workloads.mjs), plus start and close. */
const PAYLOAD_HOOK_TIMEOUT_MS = 10 * 60_000;
/** Four concurrent passes (two warm-ups) of at most 180 s each, plus a second process. */
const measureScaleOutToo = !args['skip-scale-out'];
const SCALE_OUT_TIMEOUT_MS = 15 * 60_000;
const latencyRuns = args['latency-runs'] ?? (args.quick ? '5' : '20');
const warmupRuns = args['warmup-runs'] ?? (args.quick ? '3' : '5');
const rounds = Number(args.rounds ?? (args.quick ? '1' : '3'));
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) {
  console.error(`--rounds must be an integer from 1 to 20 (got ${args.rounds})`);
  process.exit(2);
}

const catalog = await loadWorldCatalog();
const known = [
  ...PREFERRED_ORDER.filter((name) => catalog.has(name)),
  ...[...catalog.keys()].filter((name) => !PREFERRED_ORDER.includes(name)).sort(),
];
const worlds = args.worlds ? args.worlds.split(',').filter(Boolean) : known;
const unknown = worlds.filter((name) => !catalog.has(name));
if (unknown.length > 0) {
  console.error(`unknown world(s) ${unknown.join(', ')}; choose from ${known.join(', ')}`);
  process.exit(2);
}
const writeDocs = !args['skip-docs'] && (!args.worlds || args.docs);

const benchDirectory = import.meta.dirname;
const repoDirectory = join(benchDirectory, '..');
const workerArgs = [
  '--runs',
  args.runs,
  '--latency-runs',
  latencyRuns,
  '--warmup-runs',
  warmupRuns,
  ...(args.bare ? ['--bare'] : []),
];
const loadBefore = loadavg()[0];

console.log(
  `Benchmark: ${args.runs} concurrent + ${latencyRuns} sequential 3-step runs per World, ` +
    `${rounds} round(s)\nNode ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ` +
    `load average ${loadBefore.toFixed(1)}. Each World runs in its own process, one at a time.\n`,
);

// One instance of each service any selected World needs, shared by all of them.
const running = new Map();
const stopServices = () => Promise.all([...running.values()].map((server) => server.stop()));
process.once('SIGINT', () => {
  stopServices().finally(() => process.exit(130));
});
const neededServices = [...new Set(worlds.flatMap((name) => catalog.get(name).needs))];
let measurement;
try {
  for (const name of neededServices) {
    if (!SERVICES[name]) throw new Error(`no service "${name}" in bench/services.mjs`);
  }
  // One at a time: on a busy 2-core machine a JVM starting (DynamoDB Local) can starve the
  // others past their start timeouts, and a failed start then leaves nothing half-started that
  // the `finally` below would not stop.
  for (const name of neededServices) {
    running.set(name, await SERVICES[name].start());
    console.log(`  started ${name} at ${running.get(name).url}`);
  }
  if (neededServices.length > 0) console.log('');
  measurement = await measureAll();
  if (measurePayloadHookToo) measurement.payloadHook = await measurePayloadHookOfAll();
  if (measureScaleOutToo) measurement.scaleOut = await measureScaleOutOfAll();
  if (measureGrowthToo) measurement.growth = await measureGrowthOfAll();
} finally {
  await stopServices();
}
const {
  measured,
  failures,
  growth = new Map(),
  payloadHook = new Map(),
  scaleOut = new Map(),
} = measurement;

/**
 * A worker mode (`--growth`, `--payload-hook`) once per World, each in its own worker process
 * with its own isolated services; resolves with the results by World (`{ failed }` if not).
 */
async function measureOncePerWorld({
  mode,
  label,
  timeoutMs,
  summary,
  names = worlds,
  extra = [],
}) {
  console.log('');
  const measured = new Map();
  for (const name of names) {
    process.stdout.write(`  ${label.padEnd(8)} ${name.padEnd(20)} … `);
    const services = Object.fromEntries(
      catalog
        .get(name)
        .needs.map((service) => [
          service,
          SERVICES[service].isolate(running.get(service), `${name}-${label}-${process.pid}`),
        ]),
    );
    const outcome = await runWorker({
      script: join(benchDirectory, 'worker.mjs'),
      args: ['--world', name, `--${mode}`, ...extra, ...(args.bare ? ['--bare'] : [])],
      cwd: benchDirectory,
      env: { ...process.env, BENCH_SERVICES: JSON.stringify(services) },
      timeoutMs,
    });
    if (outcome.ok) {
      measured.set(name, outcome.result[summary.key]);
      console.log(summary.line(outcome.result[summary.key]));
    } else {
      measured.set(name, { failed: outcome.error });
      console.log(`FAILED: ${outcome.error}`);
    }
  }
  return measured;
}

/** The growth workloads (growth.mjs). */
function measureGrowthOfAll() {
  return measureOncePerWorld({
    mode: 'growth',
    label: 'growth',
    timeoutMs: GROWTH_TIMEOUT_MS,
    summary: { key: 'growth', line: workloadLine },
  });
}

/** The payload and hook workloads (payload-hook-workloads.mjs). */
function measurePayloadHookOfAll() {
  return measureOncePerWorld({
    mode: 'payload-hook',
    label: 'payload',
    timeoutMs: PAYLOAD_HOOK_TIMEOUT_MS,
    summary: { key: 'payloadHook', line: workloadLine },
  });
}

/** The concurrent pass with 1 and then 2 processes (scale-out.mjs), on Worlds that scale out. */
function measureScaleOutOfAll() {
  return measureOncePerWorld({
    mode: 'scale-out',
    label: 'scale',
    timeoutMs: SCALE_OUT_TIMEOUT_MS,
    names: worlds.filter((name) => catalog.get(name).scalesOut),
    extra: ['--runs', args.runs, '--warmup-runs', warmupRuns],
    summary: {
      key: 'scaleOut',
      line: (scale) =>
        `${scale.oneProcess.runsPerSecond} runs/s @50 with 1 process, ` +
        `${scale.twoProcesses.runsPerSecond} with 2 (${scale.speedup}x; ` +
        `${scale.twoProcesses.completedBySecondProcess} of ${scale.runs} finished in the second)`,
    },
  });
}

/** One console line for a list of workload rows: ms per step, or why there is none. */
function workloadLine(rows) {
  return rows
    .map((row) =>
      row.perStepMs === null || row.perStepMs === undefined
        ? `${row.name}: ${row.skipped ?? row.outcome}`
        : `${row.name} ${row.perStepMs} ms/step`,
    )
    .join(', ');
}

async function measureAll() {
  const measured = new Map(worlds.map((name) => [name, []]));
  const failures = new Map();
  for (let index = 0; index < rounds; index++) {
    const order = worlds.map((_, offset) => worlds[(offset + index) % worlds.length]);
    for (const name of order) {
      process.stdout.write(`  round ${index + 1}  ${name.padEnd(20)} … `);
      const services = Object.fromEntries(
        catalog
          .get(name)
          .needs.map((service) => [
            service,
            SERVICES[service].isolate(running.get(service), `${name}-r${index + 1}-${process.pid}`),
          ]),
      );
      const outcome = await runWorker({
        script: join(benchDirectory, 'worker.mjs'),
        args: ['--world', name, ...workerArgs],
        cwd: benchDirectory,
        env: { ...process.env, BENCH_SERVICES: JSON.stringify(services) },
        timeoutMs: Number(args['timeout-seconds']) * 1000,
      });
      if (outcome.ok) {
        measured.get(name).push(outcome.result);
        const { concurrent, sequential, peakRssMb } = outcome.result;
        const failed = outcome.result.failedRuns
          ? `, ${outcome.result.failedRuns} runs FAILED`
          : '';
        console.log(
          `${concurrent.runsPerSecond} runs/s @50, ${sequential.runsPerSecond} @1, ` +
            `${peakRssMb} MB${failed}`,
        );
      } else {
        failures.set(name, outcome.error);
        console.log(`FAILED: ${outcome.error}`);
      }
    }
  }
  return { measured, failures };
}

/** The round whose runs/s is the median, so its latencies come from the same measurement. */
function representative(results) {
  const sorted = [...results].sort(
    (a, b) => a.concurrent.runsPerSecond - b.concurrent.runsPerSecond,
  );
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

const chosen = new Map(
  worlds
    .filter((name) => measured.get(name).length > 0)
    .map((name) => [name, representative(measured.get(name))]),
);
const ratios = {};
for (const peer of PEERS) {
  const baseline = chosen.get(peer);
  if (!baseline) continue;
  for (const [name, result] of chosen) {
    if (name === peer) continue;
    ratios[`${name}/${peer}`] = round(
      result.concurrent.runsPerSecond / baseline.concurrent.runsPerSecond,
      2,
    );
  }
}

const command = [
  'node bench/run.mjs',
  ...process.argv.slice(2).map((arg) => (/[\s,]/.test(arg) ? JSON.stringify(arg) : arg)),
].join(' ');
const report = {
  measuredAt: new Date().toISOString(),
  command,
  node: process.version,
  cpus: cpus().length,
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model?.trim() ?? 'unknown',
    memoryGb: round(totalmem() / 1024 ** 3, 1),
    platform: `${platform()} ${release()}`,
  },
  loadAverage: { before: round(loadBefore, 2), after: round(loadavg()[0], 2) },
  settings: {
    runs: Number(args.runs),
    latencyRuns: Number(latencyRuns),
    warmupRuns: Number(warmupRuns),
    rounds,
    listeningSocket: !args.bare,
    services: neededServices,
  },
  worlds,
  ratios,
  results: Object.fromEntries([...chosen]),
  rounds: Object.fromEntries(
    [...measured].map(([name, results]) => [
      name,
      results.map((result) => result.concurrent.runsPerSecond),
    ]),
  ),
  failures: Object.fromEntries(failures),
  growth: Object.fromEntries(growth),
  payloadHook: Object.fromEntries(payloadHook),
  scaleOut: Object.fromEntries(scaleOut),
};

console.log(`\n${formatTable(TABLE_HEADER, tableRows(report))}`);
console.log(
  '\n@50: all runs started at once; @1: one at a time. Latency = start() until the' +
    '\nrun_completed event is written. storage calls/step: runs/steps/events/hooks calls in the' +
    '\n@50 pass over runs × 3. Ratios: runs/s @50 over the peer.' +
    (rounds > 1 ? '\nEach row is the round with the median runs/s.' : '') +
    '\nrequests/events.create: requests sent while an events.create call ran, per call' +
    '\n(@50). KB stored/step: storage growth over the @1 and @50 passes, per step.',
);
if (scaleOut.size > 0) {
  console.log(
    `\nOne process vs two (@50):\n${formatTable(SCALE_OUT_HEADER, scaleOutRows(report))}`,
  );
}
if (payloadHook.size > 0) {
  console.log(`\nStep payloads (10 steps):\n${formatTable(PAYLOAD_HEADER, payloadRows(report))}`);
  console.log(
    `\nHook, then sleep('1s'), then one step:\n` +
      formatTable(HOOK_SLEEP_HEADER, hookSleepRows(report)),
  );
}

await mkdir(join(benchDirectory, 'results'), { recursive: true });
await writeFile(
  join(benchDirectory, 'results', 'latest.json'),
  `${JSON.stringify(report, null, 2)}\n`,
);
console.log('\nwrote bench/results/latest.json');
if (writeDocs) {
  const docsDirectory = join(repoDirectory, 'docs');
  await writeFile(join(docsDirectory, 'performance.svg'), renderRunsPerSecondSvg(report));
  if (measureGrowthToo) {
    await writeFile(join(docsDirectory, 'performance-growth.svg'), renderGrowthSvg(report));
  }
  await writeFile(
    join(docsDirectory, 'performance.md'),
    renderPerformanceMarkdown(report, { chartFile: 'performance.svg' }),
  );
  console.log(
    `wrote ${relative(repoDirectory, join(docsDirectory, 'performance.md'))} and performance.svg`,
  );
}
const anyRunFailed = [...measured.values()].flat().some((result) => result.failedRuns > 0);
process.exit(failures.size > 0 || anyRunFailed ? 1 : 0);
