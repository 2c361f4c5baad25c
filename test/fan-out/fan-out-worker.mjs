// One fan-out run (10 steps at once, then 100) on one composition, in its own process (the
// runtime's World and bundles are process-wide): prints `RESULT {...}` with its duration and,
// on DynamoDB, the transactions written and cancelled. usage: node fan-out-worker.mjs <bundlesDir>
// Composition: REL_COMPOSITION (see ../reliability/compositions.mjs), or `local` (in memory).
// REL_FANOUT_ROLE=consumer: start no run, only process deliveries until SIGTERM, then print the
// transaction counts of this process.
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createWorld, loadWorkflowCode } from '@worldkit/core';
import { compositionParts } from '../reliability/compositions.mjs';

const [bundlesDir] = process.argv.slice(2);
const composition = process.env.REL_COMPOSITION;
const RUN_DEADLINE_MS = 240_000;
const logger = {
  debug() {},
  info() {},
  warn: (message, details) => console.error(`warn: ${message} ${JSON.stringify(details ?? {})}`),
  error: (message, details) => console.error(`error: ${message} ${JSON.stringify(details ?? {})}`),
};

/**
 * Counts `TransactWriteItems` requests and the ones DynamoDB cancelled, on the SDK client base
 * class the storage's client uses (resolved from @worldkit/dynamodb, as Node resolves it).
 */
function countTransactions() {
  const counts = { transactions: 0, cancelled: 0 };
  const here = dirname(fileURLToPath(import.meta.url));
  const dynamodb = realpathSync(join(here, '..', 'node_modules', '@worldkit', 'dynamodb'));
  const sdkEntry = createRequire(join(dynamodb, 'package.json')).resolve(
    '@aws-sdk/client-dynamodb',
  );
  const sdk = sdkEntry.slice(0, sdkEntry.lastIndexOf('@aws-sdk/client-dynamodb') + 24);
  const { Client } = createRequire(join(sdk, 'package.json'))('@smithy/core/client');
  const send = Client.prototype.send;
  Client.prototype.send = async function countedSend(command, ...rest) {
    const writes = /TransactWrite/.test(command?.constructor?.name ?? '');
    if (writes) counts.transactions++;
    try {
      return await send.call(this, command, ...rest);
    } catch (error) {
      if (writes && error?.name === 'TransactionCanceledException') {
        counts.cancelled++;
        for (const reason of error.CancellationReasons ?? []) {
          if (reason.Code && reason.Code !== 'None') {
            counts.reasons ??= {};
            counts.reasons[reason.Code] = (counts.reasons[reason.Code] ?? 0) + 1;
          }
        }
      }
      throw error;
    }
  };
  return counts;
}

const counts = composition === 'dynamodb-sqs' ? countTransactions() : undefined;
const parts =
  composition === 'local'
    ? (await import('@worldkit/local')).local({ memory: true })
    : await compositionParts();
const world = createWorld({ ...parts, deploymentId: 'fan-out', logger });
const code = loadWorkflowCode({ world, directory: bundlesDir });
await world.start();
const { start } = await import('workflow/api');

if (process.env.REL_FANOUT_ROLE === 'consumer') {
  // A second process on the same table and queue: it only takes deliveries, until told to stop.
  await new Promise((resolve) => {
    process.once('SIGTERM', resolve);
    console.log('READY');
  });
  console.log(`RESULT ${JSON.stringify({ composition, role: 'consumer', ...(counts ?? {}) })}`);
  await Promise.race([world.close(), new Promise((resolve) => setTimeout(resolve, 15_000))]);
  process.exit(0);
}

const startedAt = Date.now();
const run = await start(code.workflow('fanOutWorkflow'), [10, 100]);
let found = await world.runs.get(run.runId);
while (!['completed', 'failed', 'cancelled'].includes(found.status)) {
  if (Date.now() - startedAt > RUN_DEADLINE_MS) break;
  await new Promise((resolve) => setTimeout(resolve, 100));
  found = await world.runs.get(run.runId);
}
const durationMs = Date.now() - startedAt;
const steps = await world.steps.list({ runId: run.runId, pagination: { limit: 200 } });
console.log(
  `RESULT ${JSON.stringify({
    composition,
    status: found.status,
    ...(found.error ? { error: found.error } : {}),
    durationMs,
    completedSteps: steps.data.filter((step) => step.status === 'completed').length,
    ...(counts ?? {}),
  })}`,
);
await Promise.race([world.close(), new Promise((resolve) => setTimeout(resolve, 15_000))]);
process.exit(0);
