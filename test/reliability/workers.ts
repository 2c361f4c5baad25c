import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { World } from '@workflow/world';
import { createWorld, loadWorkflowCode } from '@worldkit/core';
import { buildWorkflows, listAllEvents } from '@worldkit/testing';
import { expect } from 'vitest';
import { start } from 'workflow/api';
import { compositionParts } from './compositions.mjs';
import { countDuplicateEvents, type ReliabilityFigures } from './figures.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const WORKER = join(HERE, 'worker.mjs');
const FIXTURES = join(HERE, '..', 'outage', 'fixtures');
const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** The reliability fixtures (`reliabilityWorkflow`), built once per test file. */
export async function reliabilityBundles(): Promise<string> {
  return (await buildWorkflows({ sourceDirectory: FIXTURES })).directory;
}

export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  /** Resolves when the worker consumes its queue. */
  ready: Promise<void>;
}

/** Spawns one worker process of the composition `env` describes. */
export function spawnWorker(bundlesDir: string, env: NodeJS.ProcessEnv): WorkerProcess {
  const child = spawn(process.execPath, [WORKER, bundlesDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let output = '';
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  child.stdout?.on('data', (chunk) => {
    output += chunk;
    if (output.includes('READY')) onReady();
  });
  child.stderr?.on('data', (chunk) => {
    // The last lines are what explain a failure; a long outage must not fill memory.
    output = (output + chunk).slice(-20_000);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited, ready };
}

/** Waits for READY, or fails with the worker's output if it exits or takes too long. */
export async function whenReady(worker: WorkerProcess, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      worker.ready,
      worker.exited.then((code) => {
        throw new Error(`worker exited (${code}) before consuming:\n${worker.output()}`);
      }),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`worker not ready after ${timeoutMs} ms:\n${worker.output()}`)),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Stops a worker this test spawned, by its PID: SIGTERM, then SIGKILL if it lingers. */
export async function stopWorker(worker: WorkerProcess, graceMs = 10_000): Promise<void> {
  if (worker.child.exitCode !== null || worker.child.signalCode !== null) return;
  worker.child.kill('SIGTERM');
  const timer = setTimeout(() => worker.child.kill('SIGKILL'), graceMs);
  await worker.exited;
  clearTimeout(timer);
}

/**
 * A World of the composition that never consumes (not started): the test starts runs and
 * reads their logs through it while the worker processes do the work.
 */
export async function driverWorld(env: NodeJS.ProcessEnv, bundlesDir: string) {
  const world = createWorld({
    ...(await compositionParts({ ...process.env, ...env })),
    deploymentId: env.REL_DEPLOYMENT_ID ?? 'reliability',
    recovery: { intervalMs: false },
    logger: quiet,
  });
  const code = loadWorkflowCode({ world, directory: bundlesDir });
  return {
    world,
    startRuns: async (count: number) => {
      const started = await Promise.all(
        Array.from({ length: count }, (_, index) =>
          start(code.workflow('reliabilityWorkflow'), [index], { world }),
        ),
      );
      return started.map((run) => run.runId);
    },
  };
}

export async function statuses(world: World, runIds: string[]): Promise<string[]> {
  const runs = await Promise.all(
    runIds.map((runId) =>
      world.runs.get(runId, { resolveData: 'none' }).then(
        (run) => run.status as string,
        () => 'unknown',
      ),
    ),
  );
  return runs;
}

export async function activeRuns(world: World, runIds: string[]): Promise<number> {
  return (await statuses(world, runIds)).filter((status) => !TERMINAL.has(status)).length;
}

/**
 * Polls (once a second: every check is a read per pending run, which competes with the work
 * on a loaded machine) until every run is terminal or `timeoutMs` has passed.
 */
export async function waitForRuns(world: World, runIds: string[], timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let pending = runIds;
  while (pending.length > 0 && Date.now() < deadline) {
    const current = await statuses(world, pending);
    pending = pending.filter((_, index) => !TERMINAL.has(current[index]!));
    if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/** Counts what the scenario left: completed, lost (ended otherwise), stuck, duplicate events. */
export async function tally(
  world: World,
  runIds: string[],
): Promise<
  Pick<ReliabilityFigures, 'runs' | 'completed' | 'lost' | 'stuck' | 'duplicateEvents'> & {
    unfinished: string[];
  }
> {
  let completed = 0;
  let lost = 0;
  let stuck = 0;
  let duplicateEvents = 0;
  const unfinished: string[] = [];
  for (const runId of runIds) {
    let status: string;
    try {
      status = (await world.runs.get(runId, { resolveData: 'none' })).status;
    } catch {
      lost++;
      unfinished.push(`${runId} missing from storage`);
      continue;
    }
    const events = await listAllEvents(world, runId);
    duplicateEvents += countDuplicateEvents(events);
    if (status === 'completed') completed++;
    else {
      if (TERMINAL.has(status)) lost++;
      else stuck++;
      const last = events.slice(-4).map((event) => event.eventType);
      unfinished.push(`${runId} ${status} after ${last.join(', ')}`);
    }
  }
  return { runs: runIds.length, completed, lost, stuck, duplicateEvents, unfinished };
}

export interface StepExecution {
  /** `<run index>:<step number>`. */
  label: string;
  pid: number;
  ended: boolean;
}

/** Step executions in a step log (see the fixture's `countedStep`), oldest first. */
export function stepExecutions(file: string): StepExecution[] {
  if (!existsSync(file)) return [];
  const executions: StepExecution[] = [];
  const open = new Map<string, StepExecution>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [label, pid, phase] = line.split(' ');
    if (!label || !pid) continue;
    if (phase === 'start') {
      const execution = { label, pid: Number(pid), ended: false };
      executions.push(execution);
      open.set(`${label} ${pid}`, execution);
    } else {
      const execution = open.get(`${label} ${pid}`);
      if (execution) execution.ended = true;
    }
  }
  return executions;
}

/** What a fault sees while it acts on a batch of runs executing in worker processes. */
export interface WorkerBatch {
  /** The worker processes; a fault that replaces one puts the new one in its place. */
  workers: WorkerProcess[];
  /** Spawns a worker of the batch's composition (not yet in `workers`). */
  spawn(): WorkerProcess;
  /** The driver World (never consumes): reads the runs' state. */
  world: World;
  runIds: string[];
  /** The step log the workers append to (`stepExecutions`). */
  stepLog: string;
}

/** What the batch left: its tally, from the batch's start to the last run finishing. */
export interface WorkerBatchOutcome<T> {
  fault: T;
  result: Awaited<ReturnType<typeof tally>>;
  durationMs: number;
  executions: StepExecution[];
  /** Every worker's output, to explain a failed expectation. */
  outputs: string;
}

/**
 * Runs `runs` reliability workflows on `workers` worker processes of one composition (the
 * `REL_*` settings in `env`) while `fault` acts on them, waits up to `timeoutMs` for every run
 * to end, and hands what the batch left to `check` (before the workers stop, so their output
 * is whole). The workers log their steps to `<scratch>/<composition>-steps.log`.
 */
export async function runWorkerBatch<T>(options: {
  composition: string;
  scratch: string;
  bundlesDir: string;
  env: Record<string, string>;
  workers: number;
  runs: number;
  timeoutMs: number;
  fault: (batch: WorkerBatch) => Promise<T>;
  /** Undoes what the fault may leave if it throws (e.g. SIGCONT a stopped worker). */
  release?: () => void;
  check: (outcome: WorkerBatchOutcome<T>) => void;
}): Promise<void> {
  const stepLog = join(options.scratch, `${options.composition}-steps.log`);
  const env = {
    REL_COMPOSITION: options.composition,
    RELIABILITY_STEP_LOG: stepLog,
    ...options.env,
  };
  const spawn = () => spawnWorker(options.bundlesDir, env);
  const workers = Array.from({ length: options.workers }, spawn);
  const driver = await driverWorld(env, options.bundlesDir);
  try {
    // Generous: on a loaded 2-core machine several Node processes take a while to load.
    await Promise.all(workers.map((worker) => whenReady(worker, 180_000)));
    const runIds = await driver.startRuns(options.runs);
    const batchStartedAt = Date.now();
    const fault = await options.fault({ workers, spawn, world: driver.world, runIds, stepLog });
    await waitForRuns(driver.world, runIds, options.timeoutMs);
    const durationMs = Date.now() - batchStartedAt;
    const result = await tally(driver.world, runIds);
    options.check({
      fault,
      result,
      durationMs,
      executions: stepExecutions(stepLog),
      outputs: workers.map((worker) => worker.output()).join('\n---\n'),
    });
  } finally {
    options.release?.();
    await Promise.all(workers.map((worker) => stopWorker(worker)));
    await driver.world.close?.();
  }
}

/**
 * The expectation a reliability scenario ends on: all `runs` completed, none lost or stuck, no
 * event twice. `explanation` (worker output, the World's last log lines) shows when it fails.
 */
export function expectEveryRunCompleted(
  result: Pick<ReliabilityFigures, 'completed' | 'lost' | 'stuck' | 'duplicateEvents'> & {
    unfinished: string[];
  },
  runs: number,
  explanation: string,
): void {
  expect(
    {
      completed: result.completed,
      lost: result.lost,
      stuck: result.stuck,
      duplicateEvents: result.duplicateEvents,
      unfinished: result.unfinished,
    },
    explanation,
  ).toEqual({ completed: runs, lost: 0, stuck: 0, duplicateEvents: 0, unfinished: [] });
}
