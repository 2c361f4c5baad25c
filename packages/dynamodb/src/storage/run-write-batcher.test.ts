import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CreateEventRequest, Storage } from '@workflow/world';
import { monotonicFactory } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useLocalDynamoDb } from '../test-support/local-dynamodb.js';
import { createDynamoDbStorage, type DynamoDbStorage } from './dynamodb-storage.js';

/**
 * Writes of one run queue up in their process: an event write on a run this process wrote last
 * is one transaction (its items are remembered, `known-run-items.ts`), a process never races
 * itself, and step events waiting together commit as one transaction. Requests are counted by SDK middleware on each storage's own client (separate
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
  it('each event of a step written by the process that wrote the run last is one transaction', async () => {
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
    const one = { TransactWriteItemsCommand: 1 };
    expect(
      { created: created.made, started: started.made, completed: completed.made },
      'requests per event write',
    ).toEqual({ created: one, started: one, completed: one });
    expect(completed.result.step?.status).toBe('completed');
  });

  it('a run created and started by one process costs one transaction each; a repeated run_created still conflicts', async () => {
    const runId = `wrun_${nextUlid()}`;
    const created = await requestsOf(a, () =>
      a.storage.events.create(runId, {
        eventType: 'run_created',
        eventData: { deploymentId: 'dpl_known', workflowName: 'known', input: bytes('in') },
      }),
    );
    const started = await requestsOf(a, () =>
      a.storage.events.create(runId, { eventType: 'run_started' }),
    );
    expect({ created: created.made, started: started.made }).toEqual({
      created: { TransactWriteItemsCommand: 1 },
      started: { TransactWriteItemsCommand: 1 },
    });
    // b has never seen the run: its guess that the run is new loses, and a read decides.
    const repeated = await b.storage.events
      .create(runId, {
        eventType: 'run_created',
        eventData: { deploymentId: 'dpl_known', workflowName: 'known', input: bytes('in') },
      })
      .then(
        () => 'written',
        (error: Error) => error.name,
      );
    expect(repeated).toBe('EntityConflictError');
    const log = await a.storage.events.list({ runId, pagination: { limit: 10 } });
    expect(log.data.map((event) => event.eventType)).toEqual(['run_created', 'run_started']);
  });

  it("another process's write in between loses the remembered view its transaction; it is read and decided again", async () => {
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
    // The remembered view's transaction is cancelled by the guard; having lost it, the step
    // event takes log positions instead: a read, the positions (UpdateItem) and a write.
    expect(completed.made, 'requests for a write after another process wrote').toEqual({
      TransactGetItemsCommand: 1,
      TransactWriteItemsCommand: 2,
      UpdateItemCommand: 1,
    });
    // The step has completed: b's repeated step_started is refused.
    const fromStale = await b.storage.events.create(runId, step('step_started', stepId)).then(
      () => 'written',
      (error: Error) => error.name,
    );
    expect(fromStale).toBe('EntityConflictError');
  });

  it('items remembered from before another process wrote are never paired with a newer guard', async () => {
    const runId = await startedRun(a.storage);
    const first = `step_${nextUlid()}`;
    await a.storage.events.create(
      runId,
      step('step_created', first, { eventData: { stepName: 'known', input: bytes('x') } }),
    );
    await a.storage.events.create(runId, step('step_started', first));
    // b creates a second step and completes the one a remembers as running.
    const second = `step_${nextUlid()}`;
    await b.storage.events.create(
      runId,
      step('step_created', second, { eventData: { stepName: 'known', input: bytes('y') } }),
    );
    await b.storage.events.create(
      runId,
      step('step_completed', first, { eventData: { result: bytes('from b') } }),
    );
    // a starts the second step, which it has never seen: it reads the run again, but only that
    // step's item. The first step's remembered item must not survive that read.
    await a.storage.events.create(runId, step('step_started', second));
    const repeated = await a.storage.events
      .create(runId, step('step_completed', first, { eventData: { result: bytes('from a') } }))
      .then(
        () => 'written',
        (error: Error) => error.name,
      );
    expect(repeated, 'a second step_completed decided on a remembered running step').toBe(
      'EntityConflictError',
    );
    const log = await a.storage.events.list({ runId, pagination: { limit: 100 } });
    const completions = log.data.filter(
      (event) => event.eventType === 'step_completed' && event.correlationId === first,
    );
    expect(completions).toHaveLength(1);
  });

  it('a refusal is never answered from remembered items', async () => {
    const runId = await startedRun(a.storage);
    const stepId = `step_${nextUlid()}`;
    await a.storage.events.create(
      runId,
      step('step_created', stepId, { eventData: { stepName: 'known', input: bytes('x') } }),
    );
    // a remembers the step: its repeated step_created is refused only after a read.
    const repeated = await requestsOf(a, () =>
      a.storage.events
        .create(
          runId,
          step('step_created', stepId, { eventData: { stepName: 'known', input: bytes('x') } }),
        )
        .then(
          () => 'written',
          (error: Error) => error.name,
        ),
    );
    expect(repeated.result).toBe('EntityConflictError');
    expect(repeated.made, 'requests before refusing').toEqual({ TransactGetItemsCommand: 1 });
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
