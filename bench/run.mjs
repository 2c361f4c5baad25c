#!/usr/bin/env node
/**
 * Runs each World's benchmark in its own child process, one after another, and prints a
 * comparison. Results go to bench/results/latest.json.
 *
 *   node bench/run.mjs [--runs 100] [--latency-runs 20] [--worlds a,b,c] [--timeout-seconds 180] [--bare]
 *
 * `--bare` runs the workers without the idle listening socket (see listening-socket.mjs).
 *
 * Env fallbacks: BENCH_RUNS, BENCH_LATENCY_RUNS, BENCH_TIMEOUT_SECONDS.
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatTable } from './format-table.mjs';
import { round } from './stats.mjs';

const ALL_WORLDS = ['worldkit-file', 'worldkit-memory', 'world-local'];
const BASELINE = 'world-local';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: process.env.BENCH_RUNS ?? '100' },
    'latency-runs': { type: 'string', default: process.env.BENCH_LATENCY_RUNS ?? '20' },
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
const timeoutMs = Number(args['timeout-seconds']) * 1000;
const benchDirectory = import.meta.dirname;

console.log(
  `Benchmark: ${args.runs} concurrent 3-step runs + ${args['latency-runs']} sequential runs per World` +
    ` (Node ${process.version}, ${cpus().length} CPUs). Each World runs in its own process.\n`,
);

const results = [];
for (const name of worlds) {
  process.stdout.write(`  ${name.padEnd(16)} … `);
  const outcome = await runWorker(name);
  if (outcome.ok) {
    results.push(outcome.result);
    console.log(`${outcome.result.concurrent.runsPerSecond} runs/s`);
  } else {
    results.push({ world: name, error: outcome.error });
    console.log(`FAILED: ${outcome.error}`);
  }
}

const baseline = results.find((result) => result.world === BASELINE && !result.error);
const rows = results.map((result) =>
  result.error
    ? [result.world, 'failed', '', '', '', '', '', '']
    : [
        result.world,
        result.concurrent.runsPerSecond.toFixed(1),
        result.concurrent.p50Ms.toFixed(0),
        result.concurrent.p99Ms.toFixed(0),
        (result.concurrent.totalMs / 1000).toFixed(2),
        result.sequential.p50Ms.toFixed(1),
        result.sequential.p99Ms.toFixed(1),
        baseline
          ? `${(result.concurrent.runsPerSecond / baseline.concurrent.runsPerSecond).toFixed(2)}x`
          : 'n/a',
      ],
);
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
  '\nruns/s, p50/p99 and total: the concurrent pass (latency = start() to the run_completed write).' +
    '\nseq: one run at a time. Ratio = runs/s divided by world-local runs/s.',
);

const report = {
  measuredAt: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  settings: {
    runs: Number(args.runs),
    latencyRuns: Number(args['latency-runs']),
    listeningSocket: !args.bare,
  },
  ratios: baseline
    ? Object.fromEntries(
        results
          .filter((result) => !result.error && result.world !== BASELINE)
          .map((result) => [
            `${result.world}/${BASELINE}`,
            round(result.concurrent.runsPerSecond / baseline.concurrent.runsPerSecond, 2),
          ]),
      )
    : {},
  results,
};
await mkdir(join(benchDirectory, 'results'), { recursive: true });
await writeFile(join(benchDirectory, 'results', 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nwrote bench/results/latest.json`);
process.exit(results.some((result) => result.error || result.failedRuns > 0) ? 1 : 0);

/** Spawns one worker, bounded by the timeout; its stderr is kept for the error line only. */
function runWorker(name) {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        join(benchDirectory, 'worker.mjs'),
        '--world',
        name,
        '--runs',
        args.runs,
        '--latency-runs',
        args['latency-runs'],
        ...(args.bare ? ['--bare'] : []),
      ],
      { cwd: benchDirectory, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ ok: false, error: `timed out after ${timeoutMs / 1000}s` });
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((text) => text.startsWith('BENCH_RESULT '));
      if (code === 0 && line) {
        resolve({ ok: true, result: JSON.parse(line.slice('BENCH_RESULT '.length)) });
      } else {
        const lastError = stderr.trim().split('\n').slice(-3).join(' | ') || `exit code ${code}`;
        resolve({ ok: false, error: lastError });
      }
    });
  });
}
