import { waitFor } from '@worldkit/testing';
import { describe, expect, it } from 'vitest';
import { recordFigures } from './reliability/figures.js';
import { useReliabilityServers, useScratchDirectory } from './reliability/servers.js';
import {
  expectEveryRunCompleted,
  runWorkerBatch,
  stepExecutions,
  type WorkerProcess,
} from './reliability/workers.js';

/**
 * SQS hands a message to another consumer once its visibility timeout lapses, even while the
 * first consumer is still running its handler. Two consumer processes share a queue with a
 * 3 s visibility timeout (the shortest @worldkit/sqs accepts) and steps that take 4 s. The
 * consumers extend the visibility of what they hold, so the test freezes one of them (SIGSTOP)
 * in the middle of a step for three timeouts — a handler far slower than the timeout, unable
 * to extend it — and then lets it go on (SIGCONT). Its messages go to the other process meanwhile, so both processes run the same
 * steps to the end. Every run must complete, and no event may be written twice.
 */
const VISIBILITY_SECONDS = 3;
const STEP_MS = 4_000;
const FREEZES = 2;

const servers = useReliabilityServers(['pg', 'fauxqs', 'dynamodb', 'bundlesDir']);
const scratch = useScratchDirectory('worldkit-sqs-redelivery-');

async function redeliverAcrossProcesses(
  composition: string,
  env: Record<string, string>,
  options: { runs: number; timeoutMs: number },
) {
  const frozen = new Set<WorkerProcess>();
  await runWorkerBatch({
    composition,
    scratch,
    bundlesDir: servers.bundlesDir,
    env: {
      REL_DEPLOYMENT_ID: `redelivery-${composition}`,
      REL_VISIBILITY_SECONDS: String(VISIBILITY_SECONDS),
      RELIABILITY_STEP_MS: String(STEP_MS),
      ...env,
    },
    workers: 2,
    ...options,
    fault: async ({ workers, stepLog }) => {
      const stepsFrozen: number[] = [];
      for (let freeze = 0; freeze < FREEZES; freeze++) {
        // Freeze a worker with a step under way, each worker in turn where possible.
        const index = await waitFor('a worker in the middle of a step', 120_000, async () => {
          const busy = new Set(
            stepExecutions(stepLog)
              .filter((step) => !step.ended)
              .map((step) => step.pid),
          );
          for (let offset = 0; offset < workers.length; offset++) {
            const candidate = (freeze + offset) % workers.length;
            if (busy.has(workers[candidate]!.child.pid!)) return candidate;
          }
          return undefined;
        });
        const worker = workers[index]!;
        worker.child.kill('SIGSTOP');
        frozen.add(worker);
        stepsFrozen.push(
          stepExecutions(stepLog).filter((step) => step.pid === worker.child.pid && !step.ended)
            .length,
        );
        // The fault itself: a handler stalled for three visibility timeouts.
        await new Promise((resolve) => setTimeout(resolve, 3 * VISIBILITY_SECONDS * 1000));
        worker.child.kill('SIGCONT');
        frozen.delete(worker);
      }
      return stepsFrozen;
    },
    release: () => {
      for (const worker of frozen) worker.child.kill('SIGCONT');
    },
    check: (outcome) => {
      const byStep = new Map<string, Set<number>>();
      for (const step of outcome.executions) {
        byStep.set(step.label, (byStep.get(step.label) ?? new Set()).add(step.pid));
      }
      const inBothProcesses = [...byStep.values()].filter((pids) => pids.size > 1).length;
      recordFigures({
        composition,
        scenario: 'SQS redelivery across 2 processes',
        ...outcome.result,
        durationMs: outcome.durationMs,
        detail: `visibility ${VISIBILITY_SECONDS} s, steps ${STEP_MS / 1000} s, ${FREEZES} freezes of ${3 * VISIBILITY_SECONDS} s; steps run by both processes: ${inBothProcesses}`,
      });
      expect(Math.min(...outcome.fault), 'every freeze must stall a step').toBeGreaterThan(0);
      // The point of the scenario: SQS did hand messages to the other process mid-handler.
      expect(inBothProcesses, 'steps executed in both processes').toBeGreaterThan(0);
      expectEveryRunCompleted(outcome.result, options.runs, outcome.outputs);
    },
  });
}

describe(`SQS redelivers to a second process while a handler is stalled past the ${VISIBILITY_SECONDS} s visibility timeout: every run completes, no event twice`, () => {
  it('postgres storage + sqs queue', async () => {
    await redeliverAcrossProcesses(
      'postgres-sqs',
      {
        REL_POSTGRES_URL: servers.pg.url,
        REL_POSTGRES_SCHEMA: 'redelivery',
        REL_SQS_ENDPOINT: servers.fauxqs.endpoint,
        REL_SQS_QUEUE: 'redelivery-postgres',
      },
      { runs: 12, timeoutMs: 180_000 },
    );
  }, 420_000);

  it('dynamodb storage + sqs queue', async () => {
    await redeliverAcrossProcesses(
      'dynamodb-sqs',
      {
        REL_DYNAMODB_ENDPOINT: servers.dynamodb.endpoint,
        REL_DYNAMODB_TABLE: 'sqs-redelivery',
        REL_SQS_ENDPOINT: servers.fauxqs.endpoint,
        REL_SQS_QUEUE: 'redelivery-dynamodb',
      },
      { runs: 8, timeoutMs: 300_000 },
    );
  }, 600_000);
});
