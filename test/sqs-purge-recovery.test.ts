import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createWorld, loadWorkflowCode, recoverStalledRuns } from '@worldkit/core';
import {
  type RunningDynamoDbLocal,
  type RunningFauxqs,
  startDynamoDbLocal,
  startFauxqs,
} from '@worldkit/test-servers';
import { buildWorkflows, listAllEvents, recordingLogger, waitFor } from '@worldkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start } from 'workflow/api';
import { compositionParts } from './reliability/compositions.mjs';
import { countDuplicateEvents } from './reliability/figures.js';
import { purgeSqsQueue } from './reliability/sqs-purge.js';

/**
 * A purged SQS queue takes a step's message with it while the SQS transport still remembers
 * the step's idempotency key (its in-process window holds a key for minutes). Recovery wakes
 * the run, the replay sends the step again under the same step id — and that re-send must not
 * be dropped as a duplicate of the message the purge deleted.
 */
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'sqs-purge', 'fixtures');
const RUNS = 4;

let dynamodb: RunningDynamoDbLocal;
let fauxqs: RunningFauxqs;

beforeAll(async () => {
  [dynamodb, fauxqs] = await Promise.all([startDynamoDbLocal(), startFauxqs()]);
}, 180_000);
afterAll(async () => {
  await Promise.all([dynamodb?.stop(), fauxqs?.stop()]);
});

describe('DynamoDB + SQS: a step message purged while its key is remembered', () => {
  it('recovery re-sends the step and every run completes once', async () => {
    const queueName = 'purge-retry';
    const world = createWorld({
      ...(await compositionParts({
        ...process.env,
        REL_COMPOSITION: 'dynamodb-sqs',
        REL_DYNAMODB_ENDPOINT: dynamodb.endpoint,
        REL_DYNAMODB_TABLE: 'purge-retry',
        REL_SQS_ENDPOINT: fauxqs.endpoint,
        REL_SQS_QUEUE: queueName,
      })),
      deploymentId: 'purge-retry',
      // The test runs recovery itself, once, after the purge.
      recovery: { intervalMs: false },
      logger: recordingLogger(),
    });
    try {
      const built = await buildWorkflows({ sourceDirectory: FIXTURES });
      const code = loadWorkflowCode({ world, directory: built.directory });
      await world.start?.();
      const runs = await Promise.all(
        Array.from({ length: RUNS }, (_, index) =>
          start(code.workflow('retryLaterWorkflow'), [index], { world }),
        ),
      );
      const runIds = runs.map((run) => run.runId);
      // Each step's retry is now a message delayed by 8 s, and the transport holds the step's
      // key for minutes.
      await waitFor('every step to be waiting for its retry', 120_000, async () => {
        const logs = await Promise.all(runIds.map((runId) => listAllEvents(world, runId)));
        if (logs.every((log) => log.some((event) => event.eventType === 'step_retrying'))) {
          return true;
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
        return undefined;
      });
      // The retry is stored once the delivery that recorded `step_retrying` ends.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await purgeSqsQueue(fauxqs.endpoint, queueName);

      const staleAfterMs = 2_000;
      await new Promise((resolve) => setTimeout(resolve, staleAfterMs + 500));
      const report = await recoverStalledRuns(world, { staleAfterMs });
      expect(report.stalled.map((run) => [run.runId, run.reason]).sort()).toEqual(
        runIds.map((runId) => [runId, 'step-silent']).sort(),
      );

      // Well inside the minutes the transport would hold a swallowed key.
      const recoveredAt = Date.now();
      await waitFor('every run to complete after recovery', 90_000, async () => {
        const statuses = await Promise.all(
          runIds.map(async (runId) => (await world.runs.get(runId)).status),
        );
        if (statuses.every((status) => status === 'completed')) return true;
        await new Promise((resolve) => setTimeout(resolve, 300));
        return undefined;
      });
      console.log(`runs completed ${Date.now() - recoveredAt} ms after recovery`);
      for (const [index, run] of runs.entries()) {
        expect(await run.returnValue).toBe(index + 1);
        expect(countDuplicateEvents(await listAllEvents(world, run.runId))).toBe(0);
      }
    } finally {
      await world.close?.();
    }
  }, 300_000);
});
