// A process that executes workflows on @worldkit/local with a data directory, for the crash
// test: `start` starts runs and keeps working until it is killed; `resume` opens the same data
// directory, lets the runs finish and reports what was lost or duplicated.
// usage: node crash-worker.mjs <start|resume> <composition> <bundlesDir> <runIdsFile> [runs]
// compositions: local (CRASH_DATA_DIR), postgres (CRASH_POSTGRES_URL), postgres-bullmq (+ CRASH_REDIS_URL)
import { readFileSync, writeFileSync } from 'node:fs';
import { createWorld, loadWorkflowCode } from '@worldkit/core';

const [phase, composition, bundlesDir, runIdsFile, runCount = '200'] = process.argv.slice(2);
const quiet = { debug() {}, info() {}, warn() {}, error: (message) => console.error(message) };

async function parts() {
  if (composition === 'local') {
    const { local } = await import('@worldkit/local');
    return local({ dataDir: process.env.CRASH_DATA_DIR });
  }
  const { postgres, postgresStorage, postgresStreamer } = await import('@worldkit/postgres');
  const connectionString = process.env.CRASH_POSTGRES_URL;
  // A killed worker's leased messages come back after 5 s rather than the default 30 s, as the
  // other compositions here shorten their visibility timeout or lock.
  if (composition === 'postgres')
    return postgres({ connectionString, concurrency: 50, visibilityTimeoutSeconds: 5 });
  const { bullmqQueue } = await import('@worldkit/redis');
  return {
    storage: postgresStorage({ connectionString }),
    streamer: postgresStreamer({ connectionString }),
    queue: bullmqQueue({
      url: process.env.CRASH_REDIS_URL,
      // Jobs the killed process held come back once their lock lapses and a stalled check
      // runs; the default 30 s each would make recovery wait about a minute.
      lockDurationMs: 5_000,
    }),
  };
}

const world = createWorld({ ...(await parts()), deploymentId: 'crash-test', logger: quiet });
const code = loadWorkflowCode({ world, directory: bundlesDir });
const isTerminal = (status) => ['completed', 'failed', 'cancelled'].includes(status);
// start() returns once the run's first message is queued, while its run_created write may still
// be under way (the SDK's resilient start): killed then, the run is created by the delivery of
// that message after the restart. Until then it reads as not found, which is not a verdict.
const statusOf = (runId) =>
  world.runs.get(runId, { resolveData: 'none' }).then(
    (run) => run.status,
    (error) => {
      if (error?.name === 'WorkflowRunNotFoundError') return 'not-found';
      throw error;
    },
  );

if (phase === 'start') {
  await world.start();
  const { start } = await import('workflow/api');
  const runIds = await Promise.all(
    Array.from({ length: Number(runCount) }, async (_, index) => {
      // Every fourth run sleeps, so some runs are parked on a timer when the process dies.
      const run =
        index % 4 === 0
          ? await start(code.workflow('sleepWorkflow'), ['1s'])
          : await start(code.workflow('sequentialWorkflow'), [index, 1]);
      return run.runId;
    }),
  );
  writeFileSync(runIdsFile, JSON.stringify(runIds));
  console.log('STARTED');
  setInterval(() => {}, 1000); // keep executing until SIGKILL
} else {
  const runIds = JSON.parse(readFileSync(runIdsFile, 'utf8'));
  // Counted before start(): how many runs the crash left unfinished.
  const before = await Promise.all(runIds.map(statusOf));
  const activeAtRestart = before.filter((status) => !isTerminal(status)).length;
  await world.start();
  const resumedAt = Date.now();
  // Generous: a loaded CI machine can take minutes for 200 runs.
  const deadline = resumedAt + 300_000;
  let nextProgress = resumedAt;
  let pending = runIds;
  while (pending.length > 0 && Date.now() < deadline) {
    const statuses = await Promise.all(pending.map(statusOf));
    pending = pending.filter((_, index) => !isTerminal(statuses[index]));
    // Progress in the output, so a failure shows whether recovery stalled or was only slow.
    if (Date.now() >= nextProgress) {
      console.log(
        `pending ${pending.length} after ${Math.round((Date.now() - resumedAt) / 1000)} s`,
      );
      nextProgress = Date.now() + 5_000;
    }
    // Once a second: every check is a read per pending run, and a tighter loop competes with
    // the recovery it is waiting for.
    if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  let completed = 0;
  let stuck = 0;
  let duplicated = 0;
  let duplicateEvents = 0;
  // Event types a World writes at most once per correlation id (per run, for run events), as
  // in test/reliability/figures.ts.
  const oncePerCorrelation = new Set([
    'run_created',
    'run_completed',
    'run_failed',
    'step_created',
    'step_completed',
    'step_failed',
    'wait_created',
    'wait_completed',
  ]);
  for (const runId of runIds) {
    const status = await statusOf(runId);
    if (status === 'completed') completed++;
    else if (!isTerminal(status) && status !== 'not-found') stuck++;
    const events = await world.events.list({
      runId,
      pagination: { limit: 1000 },
      resolveData: 'none',
    });
    const completions = new Map();
    const seen = new Set();
    for (const event of events.data) {
      if (oncePerCorrelation.has(event.eventType)) {
        const key = `${event.eventType} ${event.correlationId ?? event.runId}`;
        if (seen.has(key)) duplicateEvents++;
        else seen.add(key);
      }
      if (event.eventType !== 'step_completed') continue;
      completions.set(event.correlationId, (completions.get(event.correlationId) ?? 0) + 1);
    }
    for (const count of completions.values()) if (count > 1) duplicated += count - 1;
  }
  // lost: ended without completing; stuck: not ended when the deadline passed.
  console.log(
    `RESULT ${JSON.stringify({ runs: runIds.length, activeAtRestart, completed, lost: runIds.length - completed - stuck, stuck, duplicated, duplicateEvents })}`,
  );
  await world.close();
  process.exit(0);
}
