import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CreateEventRequest, Storage } from '@workflow/world';
import { monotonicFactory } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useLocalDynamoDb } from '../test-support/local-dynamodb.js';
import { createDynamoDbStorage, type DynamoDbStorage } from './dynamodb-storage.js';

/**
 * Writes of one run queue up in their process: an event write is one snapshot read and one
 * transaction, a process never races itself, and step events waiting together commit as one
 * transaction. Requests are counted by SDK middleware on each storage's own client (separate
 * clients: separate processes).
 */

const local = useLocalDynamoDb();
const table = 'worldkit_write_batches';
const nextUlid = monotonicFactory();
const bytes = (label: string) => new TextEncoder().encode(label);

interface Counted {
  storage: DynamoDbStorage;
  requests: Map<string, number>;
  cancelled: () => number;
}

const storages: Counted[] = [];

/** A storage whose client counts requests by command and cancelled transactions. */
function countedStorage(): Counted {
  const endpoint = local.server().endpoint;
  const client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const requests = new Map<string, number>();
  let cancelled = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName);
      requests.set(name, (requests.get(name) ?? 0) + 1);
      try {
        return await next(args);
      } catch (error) {
        if ((error as Error).name === 'TransactionCanceledException') cancelled++;
        throw error;
      }
    },
    { step: 'initialize', name: 'countRequests' },
  );
  const counted = {
    storage: createDynamoDbStorage({ table, client }),
    requests,
    cancelled: () => cancelled,
  };
  storages.push(counted);
  return counted;
}

let a: Counted;
let b: Counted;
beforeAll(async () => {
  a = countedStorage();
  b = countedStorage();
  await a.storage.setup();
});
afterAll(async () => {
  await Promise.all(storages.map((counted) => counted.storage.close()));
});

/** Requests by command that `work` causes on `counted`'s client. */
async function requestsOf<T>(counted: Counted, work: () => Promise<T>) {
  const before = new Map(counted.requests);
  const result = await work();
  const made: Record<string, number> = {};
  for (const [name, count] of counted.requests) {
    const delta = count - (before.get(name) ?? 0);
    if (delta > 0) made[name] = delta;
  }
  return { result, made };
}

async function startedRun(storage: Storage): Promise<string> {
  const runId = `wrun_${nextUlid()}`;
  await storage.events.create(runId, {
    eventType: 'run_created',
    eventData: { deploymentId: 'dpl_known', workflowName: 'known', input: bytes('in') },
  });
  await storage.events.create(runId, { eventType: 'run_started' });
  return runId;
}

const step = (eventType: string, stepId: string, extra: object = {}) =>
  ({ eventType, correlationId: stepId, ...extra }) as CreateEventRequest;

describe('event writes of one run in one process', () => {
  it('each event of a step is one snapshot read and one transaction', async () => {
    const runId = await startedRun(a.storage);
    const stepId = `step_${nextUlid()}`;
    const created = await requestsOf(a, () =>
      a.storage.events.create(
        runId,
        step('step_created', stepId, { eventData: { stepName: 'known', input: bytes('x') } }),
      ),
    );
    const started = await requestsOf(a, () =>
      a.storage.events.create(runId, step('step_started', stepId)),
    );
    const completed = await requestsOf(a, () =>
      a.storage.events.create(
        runId,
        step('step_completed', stepId, { eventData: { result: bytes('out') } }),
      ),
    );
    const one = { TransactGetItemsCommand: 1, TransactWriteItemsCommand: 1 };
    expect(
      { created: created.made, started: started.made, completed: completed.made },
      'requests per event write',
    ).toEqual({ created: one, started: one, completed: one });
    expect(completed.result.step?.status).toBe('completed');
  });

  it("another process's write in between is read before deciding; a stale view is never answered", async () => {
    const runId = await startedRun(a.storage);
    const stepId = `step_${nextUlid()}`;
    await a.storage.events.create(
      runId,
      step('step_created', stepId, { eventData: { stepName: 'known', input: bytes('x') } }),
    );
    // b starts the step; a then completes it.
    await b.storage.events.create(runId, step('step_started', stepId));
    const completed = await requestsOf(a, () =>
      a.storage.events.create(
        runId,
        step('step_completed', stepId, { eventData: { result: bytes('out') } }),
      ),
    );
    expect(completed.result.step).toMatchObject({ status: 'completed', attempt: 1 });
    expect(completed.made, 'requests for a write after another process wrote').toEqual({
      TransactGetItemsCommand: 1,
      TransactWriteItemsCommand: 1,
    });
    // The step has completed: b's repeated step_started is refused.
    const fromStale = await b.storage.events.create(runId, step('step_started', stepId)).then(
      () => 'written',
      (error: Error) => error.name,
    );
    expect(fromStale).toBe('EntityConflictError');
  });

  it('a 40-way fan-out written by one process commits in batches and cancels no transaction', async () => {
    const runId = await startedRun(a.storage);
    const stepIds = Array.from({ length: 40 }, () => `step_${nextUlid()}`);
    const cancelledBefore = a.cancelled();
    const created = await requestsOf(a, () =>
      Promise.all(
        stepIds.map((stepId) =>
          a.storage.events.create(
            runId,
            step('step_created', stepId, { eventData: { stepName: 'fan', input: bytes('x') } }),
          ),
        ),
      ),
    );
    // The first write goes alone; the 39 queued behind it commit in batches of at most 30.
    expect(
      created.made.TransactWriteItemsCommand,
      '40 step_created submitted at once: transactions',
    ).toBeLessThanOrEqual(3);
    await Promise.all(
      stepIds.map((stepId) => a.storage.events.create(runId, step('step_started', stepId))),
    );
    await Promise.all(
      stepIds.map((stepId) =>
        a.storage.events.create(
          runId,
          step('step_completed', stepId, { eventData: { result: bytes('out') } }),
        ),
      ),
    );
    expect(a.cancelled() - cancelledBefore, 'cancelled transactions').toBe(0);
    const completed = await Promise.all(
      stepIds.map((stepId) => a.storage.steps.get(runId, stepId)),
    );
    expect(completed.every((found) => found.status === 'completed')).toBe(true);
  });
});
