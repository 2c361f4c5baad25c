#!/usr/bin/env node
/**
 * Runs each World's benchmark in its own child process, one after another, and prints a
 * comparison. Results go to bench/results/latest.json.
 *
 *   node bench/run.mjs [--runs 100] [--latency-runs 20] [--rounds 3] [--worlds a,b,c]
 *                      [--timeout-seconds 180] [--bare]
 *
 * --rounds R   measure every World R times, rotating the order each round, and report the
 *              round with the median runs/s (a shared or busy machine drifts; rotation
 *              spreads the drift over all Worlds instead of favouring whoever ran first).
 * --bare       run workers without the idle listening socket (see listening-socket.mjs).
 *
 * Env fallbacks: BENCH_RUNS, BENCH_LATENCY_RUNS, BENCH_ROUNDS, BENCH_TIMEOUT_SECONDS.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatTable } from './format-table.mjs';
import { runWorker } from './run-worker.mjs';
import { round } from './stats.mjs';

const ALL_WORLDS = ['worldkit-file', 'worldkit-memory', 'world-local'];
const BASELINE = 'world-local';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: process.env.BENCH_RUNS ?? '100' },
    'latency-runs': { type: 'string', default: process.env.BENCH_LATENCY_RUNS ?? '20' },
    rounds: { type: 'string', default: process.env.BENCH_ROUNDS ?? '3' },
    worlds: { type: 'string', default: ALL_WORLDS.join(',') },
    'timeout-seconds': { type: 'string', default: process.env.BENCH_TIMEOUT_SECONDS ?? '180' },
    bare: { type: 'boolean', default: false },
  },
});
const worlds = args.worlds.split(',').filter(Boolean);
const unknown = worlds.filter((name) => !ALL_WORLDS.includes(name));
if (unknown.length > 0) {
  console.error(`unknown world(s) ${unknown.join(', ')}; choose from ${ALL_WORLDS.join(', ')}`);
  process.exit(2);
}
const rounds = Number(args.rounds);
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) {
  console.error(`--rounds must be an integer from 1 to 20 (got ${args.rounds})`);
  process.exit(2);
}
const benchDirectory = import.meta.dirname;
const workerArgs = [
  '--runs',
  args.runs,
  '--latency-runs',
  args['latency-runs'],
  ...(args.bare ? ['--bare'] : []),
];
const loadBefore = loadavg()[0];

console.log(
  `Benchmark: ${args.runs} concurrent 3-step runs + ${args['latency-runs']} sequential runs per World, ` +
    `${rounds} round(s)\nNode ${process.version}, ${cpus().length} CPUs, load average ${loadBefore.toFixed(1)}. ` +
    'Each World runs in its own process, one at a time.\n',
);

const measured = new Map(worlds.map((name) => [name, []]));
const failures = new Map();
for (let index = 0; index < rounds; index++) {
  const order = worlds.map((_, offset) => worlds[(offset + index) % worlds.length]);
  for (const name of order) {
    process.stdout.write(`  round ${index + 1}  ${name.padEnd(16)} … `);
    const outcome = await runWorker({
      script: join(benchDirectory, 'worker.mjs'),
      args: ['--world', name, ...workerArgs],
      cwd: benchDirectory,
      timeoutMs: Number(args['timeout-seconds']) * 1000,
    });
    if (outcome.ok) {
      measured.get(name).push(outcome.result);
      const { runsPerSecond } = outcome.result.concurrent;
      const failed = outcome.result.failedRuns ? `, ${outcome.result.failedRuns} runs FAILED` : '';
      console.log(`${runsPerSecond} runs/s${failed}`);
    } else {
      failures.set(name, outcome.error);
      console.log(`FAILED: ${outcome.error}`);
    }
  }
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
const baseline = chosen.get(BASELINE);
const ratio = (result) =>
  baseline ? result.concurrent.runsPerSecond / baseline.concurrent.runsPerSecond : undefined;

const rows = worlds.map((name) => {
  const result = chosen.get(name);
  if (!result) return [name, 'failed', '', '', '', '', '', ''];
  return [
    name,
    result.concurrent.runsPerSecond.toFixed(1),
    result.concurrent.p50Ms.toFixed(0),
    result.concurrent.p99Ms.toFixed(0),
    (result.concurrent.totalMs / 1000).toFixed(2),
    result.sequential.p50Ms.toFixed(1),
    result.sequential.p99Ms.toFixed(1),
    ratio(result) === undefined ? 'n/a' : `${ratio(result).toFixed(2)}x`,
  ];
});
console.log(
  `\n${formatTable(
    [
      'World',
      'runs/s',
      'p50 ms',
      'p99 ms',
      'total s',
      'seq p50 ms',
      'seq p99 ms',
      `vs ${BASELINE}`,
    ],
    rows,
  )}`,
);
console.log(
  '\nruns/s, p50/p99 and total: the concurrent pass (latency = start() until the run_completed' +
    '\nevent is written). seq: one run at a time. Ratio: runs/s over world-local runs/s.' +
    (rounds > 1 ? '\nEach row is the round with the median runs/s.' : ''),
);

const report = {
  measuredAt: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  loadAverage: { before: round(loadBefore, 2), after: round(loadavg()[0], 2) },
  settings: {
    runs: Number(args.runs),
    latencyRuns: Number(args['latency-runs']),
    rounds,
    listeningSocket: !args.bare,
  },
  ratios: Object.fromEntries(
    [...chosen]
      .filter(([name]) => name !== BASELINE && baseline)
      .map(([name, result]) => [`${name}/${BASELINE}`, round(ratio(result), 2)]),
  ),
  results: Object.fromEntries([...chosen]),
  rounds: Object.fromEntries(
    [...measured].map(([name, results]) => [
      name,
      results.map((result) => result.concurrent.runsPerSecond),
    ]),
  ),
  failures: Object.fromEntries(failures),
};
await mkdir(join(benchDirectory, 'results'), { recursive: true });
await writeFile(
  join(benchDirectory, 'results', 'latest.json'),
  `${JSON.stringify(report, null, 2)}\n`,
);
console.log('\nwrote bench/results/latest.json');
const anyRunFailed = [...measured.values()].flat().some((result) => result.failedRuns > 0);
process.exit(failures.size > 0 || anyRunFailed ? 1 : 0);
