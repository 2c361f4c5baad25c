// A process that executes workflows on @worldkit/local with a data directory, for the crash
// test: `start` starts runs and keeps working until it is killed; `resume` opens the same data
// directory, lets the runs finish and reports what was lost or duplicated.
// usage: node crash-worker.mjs <start|resume> <composition> <bundlesDir> <runIdsFile> [runs]
// compositions: local (CRASH_DATA_DIR), postgres (CRASH_POSTGRES_URL), postgres-bullmq (+ CRASH_REDIS_URL),
// dynamodb-sqs (CRASH_DYNAMODB_ENDPOINT, CRASH_DYNAMODB_TABLE, CRASH_SQS_ENDPOINT, CRASH_SQS_QUEUE)
import { readFileSync, writeFileSync } from 'node:fs';
import { createWorld, loadWorkflowCode } from '@worldkit/core';

const [phase, composition, bundlesDir, runIdsFile, runCount = '200'] = process.argv.slice(2);
const quiet = { debug() {}, info() {}, warn() {}, error: (message) => console.error(message) };

async function parts() {
  if (composition === 'local') {
    const { local } = await import('@worldkit/local');
    return local({ dataDir: process.env.CRASH_DATA_DIR });
  }
  if (composition === 'dynamodb-sqs') return await dynamodbAndSqs();
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

async function dynamodbAndSqs() {
  // The emulators accept any credentials; fixed fake ones keep real keys from being sent and
  // stop the SDK from probing instance metadata.
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  const { dynamodbStorage } = await import('@worldkit/dynamodb');
  const { sqsQueue } = await import('@worldkit/sqs');
  const { localStreamer } = await import('@worldkit/local');
  return {
    storage: dynamodbStorage({
      table: process.env.CRASH_DYNAMODB_TABLE,
      endpoint: process.env.CRASH_DYNAMODB_ENDPOINT,
    }),
    queue: sqsQueue({
      queueName: process.env.CRASH_SQS_QUEUE,
      setup: true,
      endpoint: process.env.CRASH_SQS_ENDPOINT,
      region: 'us-east-1',
      poll: true,
      // Messages the killed process had received stay hidden this long before SQS hands them
      // out again; the default 30 s would make recovery wait that long.
      visibilityTimeoutSeconds: 5,
      concurrency: 50,
      // Short long-polls, so close() at the end of `resume` is not held up by a 20 s poll.
      waitTimeSeconds: 2,
      closeTimeoutMs: 2_000,
    }),
    // Nothing in these workflows streams; memory is enough.
    streamer: localStreamer(),
  };
}

const world = createWorld({ ...(await parts()), deploymentId: 'crash-test', logger: quiet });
const code = loadWorkflowCode({ world, directory: bundlesDir });
const isTerminal = (status) => ['completed', 'failed', 'cancelled'].includes(status);

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
  const before = await Promise.all(
    runIds.map((runId) => world.runs.get(runId, { resolveData: 'none' })),
  );
  const activeAtRestart = before.filter((run) => !isTerminal(run.status)).length;
  await world.start();
  const resumedAt = Date.now();
  // Generous: under a loaded CI machine DynamoDB Local alone can take minutes for 200 runs.
  const deadline = resumedAt + 300_000;
  let nextProgress = resumedAt;
  let pending = runIds;
  while (pending.length > 0 && Date.now() < deadline) {
    const statuses = await Promise.all(
      pending.map((runId) => world.runs.get(runId, { resolveData: 'none' })),
    );
    pending = pending.filter((_, index) => !isTerminal(statuses[index].status));
    // Progress in the output, so a failure shows whether recovery stalled or was only slow.
    if (Date.now() >= nextProgress) {
      console.log(
        `pending ${pending.length} after ${Math.round((Date.now() - resumedAt) / 1000)} s`,
      );
      nextProgress = Date.now() + 5_000;
    }
    // Once a second: every check is a read per pending run, and on DynamoDB Local a tighter loop
    // competes with the recovery it is waiting for.
    if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  let completed = 0;
  let duplicated = 0;
  for (const runId of runIds) {
    const run = await world.runs.get(runId, { resolveData: 'none' });
    if (run.status === 'completed') completed++;
    const events = await world.events.list({
      runId,
      pagination: { limit: 1000 },
      resolveData: 'none',
    });
    const completions = new Map();
    for (const event of events.data) {
      if (event.eventType !== 'step_completed') continue;
      completions.set(event.correlationId, (completions.get(event.correlationId) ?? 0) + 1);
    }
    for (const count of completions.values()) if (count > 1) duplicated += count - 1;
  }
  console.log(
    `RESULT ${JSON.stringify({ runs: runIds.length, activeAtRestart, completed, lost: runIds.length - completed, duplicated })}`,
  );
  await world.close();
  process.exit(0);
}
