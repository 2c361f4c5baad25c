/**
 * One process against two: the concurrent pass (N runs started at once) on a durable World,
 * first with the worker process alone, then with a second process (second-process.mjs)
 * consuming the same queue and storage. A World whose queue and storage are shared should get
 * faster with a second consumer, until its storage is the bottleneck; that is what the
 * runs/s of the two passes show.
 *
 * Runs in its own worker (`worker.mjs --scale-out`) once per World that declares
 * `scalesOut: true` (worlds/*.mjs), after the rounds. Each pass is preceded by a warm-up
 * with the same processes, so the second process's first-run costs are not in its figures.
 * The one-process pass runs before and after the two-process one; the mean of the two is
 * the one-process figure.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { round, summarize } from './stats.mjs';
import { loadWorldCatalog } from './world-catalog.mjs';

const READY_TIMEOUT_MS = 120_000;
const PASS_TIMEOUT_MS = 180_000;

/**
 * @param {object} bench what worker.mjs has set up: `worldName`, `services`, `bare`,
 *   `runs`, `warmupRuns`, `startRun(index)` (resolves with the run id once `start()` returns),
 *   `tracker` (completion-tracker.mjs, this process's completions).
 */
export async function measureScaleOut(bench) {
  const { runs, warmupRuns } = bench;
  await concurrentPass(bench, warmupRuns, 0, []);
  const before = await concurrentPass(bench, runs, 1000, []);
  const second = await startSecondProcess(bench);
  let two;
  try {
    await concurrentPass(bench, warmupRuns, 2000, [second]);
    two = await concurrentPass(bench, runs, 3000, [second]);
  } finally {
    await second.stop();
  }
  // One process again after the two: the pair brackets the two-process pass, so a machine
  // getting busier or quieter during the workload moves both sides of the ratio alike.
  const after = await concurrentPass(bench, runs, 4000, []);
  const mean = (key) => round((before[key] + after[key]) / 2, 2);
  const oneProcess = { runsPerSecond: mean('runsPerSecond'), p50Ms: mean('p50Ms') };
  return {
    runs,
    oneProcess,
    oneProcessPasses: [before, after],
    twoProcesses: two,
    speedup: round(two.runsPerSecond / oneProcess.runsPerSecond, 2),
  };
}

/** N runs at once; each finishes when any process writes its terminal event. */
async function concurrentPass({ startRun, tracker }, count, offset, others) {
  const startedAt = performance.now();
  let finishedElsewhere = 0;
  const one = async (index) => {
    const runStartedAt = performance.now();
    const runId = await startRun(offset + index);
    const outcome = await Promise.race([
      tracker.completion(runId),
      ...others.map((other) =>
        other.completion(runId).then((done) => {
          finishedElsewhere++;
          return done;
        }),
      ),
    ]);
    return { status: outcome.status, latencyMs: outcome.at - runStartedAt };
  };
  let timer;
  const results = await Promise.race([
    Promise.all(Array.from({ length: count }, (_, index) => one(index))),
    new Promise((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`a pass of ${count} runs took over ${PASS_TIMEOUT_MS / 1000} s`)),
        PASS_TIMEOUT_MS,
      );
    }),
  ]).finally(() => clearTimeout(timer));
  const elapsedMs = performance.now() - startedAt;
  return {
    ...summarize(results.map((result) => result.latencyMs)),
    totalMs: round(elapsedMs),
    runsPerSecond: round((count / elapsedMs) * 1000, 2),
    failedRuns: results.filter((result) => result.status !== 'run_completed').length,
    // Evidence the second process really consumed: runs whose last delivery it handled.
    completedBySecondProcess: finishedElsewhere,
  };
}

/** Forks second-process.mjs on the same services and waits until its consumer runs. */
async function startSecondProcess({ worldName, services, bare }) {
  const lingerMs = (await loadWorldCatalog()).get(worldName)?.lingerAfterCloseMs ?? 0;
  const child = fork(join(import.meta.dirname, 'second-process.mjs'), [worldName], {
    env: {
      ...process.env,
      BENCH_SERVICES: JSON.stringify(services),
      ...(bare ? { BENCH_BARE: '1' } : {}),
    },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-2000);
  });
  const finished = new Map();
  const waiting = new Map();
  child.on('message', (message) => {
    if (message?.type !== 'terminal') return;
    const outcome = { status: message.status, at: performance.now() };
    finished.set(message.runId, outcome);
    waiting.get(message.runId)?.(outcome);
    waiting.delete(message.runId);
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const handle = {
    /** Resolves when the second process reports the run's terminal event (never otherwise). */
    completion(runId) {
      const done = finished.get(runId);
      if (done) return Promise.resolve(done);
      return new Promise((resolve) => waiting.set(runId, resolve));
    },
    /**
     * Asks it to close its World; kills it by its PID if it has not exited in 20 s (plus the
     * time the World asks a closed process to stay up, `lingerAfterCloseMs`).
     */
    async stop() {
      if (child.exitCode !== null) return;
      child.send({ type: 'stop' });
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000 + lingerMs);
      await exited;
      clearTimeout(killer);
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`second process not ready in ${READY_TIMEOUT_MS / 1000} s: ${stderr}`));
    }, READY_TIMEOUT_MS);
    child.on('message', (message) => {
      if (message?.type !== 'ready') return;
      clearTimeout(timer);
      resolve(handle);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`second process exited (${code}) before it was ready: ${stderr.trim()}`));
    });
  });
}
