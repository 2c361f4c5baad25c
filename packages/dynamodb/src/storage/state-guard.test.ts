import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { PreconditionFailedError } from '@workflow/errors';
import type { Event, EventResult, Storage } from '@workflow/world';
import { monotonicFactory } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useLocalDynamoDb } from '../test-support/local-dynamodb.js';
import { createDynamoDbStorage, type DynamoDbStorage } from './dynamodb-storage.js';
import type { LogItem } from './entity-items.js';
import { eventIdTime } from './event-ids.js';
import { logKey } from './keys.js';
import { markerOf } from './state-guard.js';

const local = useLocalDynamoDb();
const table = 'worldkit_state_guard';
const nextUlid = monotonicFactory();
const bytes = (label: string) => new TextEncoder().encode(label);

/** Four storages with their own SDK clients: a step worker, a hook delivery, replays… */
let writers: DynamoDbStorage[];
let documents: DynamoDBDocumentClient;
beforeAll(async () => {
  writers = [0, 1, 2, 3].map(() => createDynamoDbStorage(local.settings(table)));
  await writers[0].setup();
  documents = DynamoDBDocumentClient.from(local.client());
});
afterAll(async () => {
  await Promise.all(writers.map((writer) => writer.close()));
});

const storage = () => writers[0];

async function runningRun(): Promise<string> {
  const runId = `wrun_${nextUlid()}`;
  await storage().events.create(runId, {
    eventType: 'run_created',
    eventData: { deploymentId: 'dpl_guard', workflowName: 'guard', input: bytes('in') },
  });
  await storage().events.create(runId, { eventType: 'run_started' });
  return runId;
}

/** Creates and starts a step; returns its id and the `step_started` time (a replay's snapshot). */
async function startedStep(runId: string): Promise<[string, number]> {
  const stepId = `step_${nextUlid()}`;
  await storage().events.create(runId, {
    eventType: 'step_created',
    correlationId: stepId,
    eventData: { stepName: 'guarded', input: bytes(stepId) },
  });
  const started = await storage().events.create(runId, {
    eventType: 'step_started',
    correlationId: stepId,
  });
  return [stepId, timeOf(started)];
}

async function createdHook(runId: string): Promise<[string, number]> {
  const hookId = `hook_${nextUlid()}`;
  const created = await storage().events.create(runId, {
    eventType: 'hook_created',
    correlationId: hookId,
    eventData: { token: `token-${nextUlid()}` },
  });
  return [hookId, timeOf(created)];
}

const stepCompleted = (stepId: string) =>
  ({
    eventType: 'step_completed',
    correlationId: stepId,
    eventData: { result: bytes(`result-${stepId}`) },
  }) as const;
const stepCreated = (stepId: string) =>
  ({
    eventType: 'step_created',
    correlationId: stepId,
    eventData: { stepName: 'next', input: bytes(stepId) },
  }) as const;
const hookReceived = (hookId: string) =>
  ({ eventType: 'hook_received', correlationId: hookId, eventData: { payload: 1 } }) as const;

function timeOf(result: EventResult): number {
  expect(result.event).toBeDefined();
  return eventIdTime(result.event?.eventId as string);
}

/** Waits until the clock has left `time`, so the next event id carries a later millisecond. */
async function clockPast(time: number): Promise<void> {
  while (Date.now() <= time) await new Promise((resolve) => setTimeout(resolve, 1));
}

async function marker(runId: string): Promise<number | undefined> {
  const found = await documents.send(
    new GetCommand({ TableName: table, Key: logKey(runId), ConsistentRead: true }),
  );
  return markerOf(found.Item as LogItem | undefined);
}

async function eventIds(store: Storage, runId: string): Promise<string[]> {
  const events: Event[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.events.list({ runId, pagination: { limit: 50, cursor } });
    events.push(...page.data);
    cursor = page.hasMore ? (page.cursor ?? undefined) : undefined;
  } while (cursor);
  return events.map((event) => event.eventId);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the create to be refused');
}

describe('stateUpdatedAt guard on DynamoDB', () => {
  it('an external step_completed stores its time on the write guard; an older snapshot is refused and writes nothing', async () => {
    const runId = await runningRun();
    const [stepId, snapshot] = await startedStep(runId);
    expect(await marker(runId)).toBeUndefined();
    await clockPast(snapshot);
    const completed = await storage().events.create(runId, stepCompleted(stepId));
    const completedAt = timeOf(completed);
    expect(completedAt).toBeGreaterThan(snapshot);
    expect(await marker(runId)).toBe(completedAt);

    const before = await eventIds(storage(), runId);
    const refusedStep = `step_${nextUlid()}`;
    const error = await rejection(
      writers[1].events.create(runId, stepCreated(refusedStep), { stateUpdatedAt: snapshot }),
    );
    expect(PreconditionFailedError.is(error)).toBe(true);
    const message = (error as Error).message;
    expect(message).toContain(runId);
    expect(message).toContain(String(completedAt));
    expect(message).toContain(String(snapshot));
    expect((error as { status?: number }).status).toBe(412);

    const ended = await rejection(
      writers[1].events.create(
        runId,
        { eventType: 'run_completed', eventData: { output: bytes('out') } },
        { stateUpdatedAt: completedAt - 1 },
      ),
    );
    expect(PreconditionFailedError.is(ended)).toBe(true);

    expect(await eventIds(storage(), runId)).toEqual(before);
    expect((await storage().steps.list({ runId })).data.map((step) => step.stepId)).toEqual([
      stepId,
    ]);
    expect((await storage().runs.get(runId)).status).toBe('running');
    expect(await marker(runId)).toBe(completedAt);
  });

  it('a snapshot equal to the marker passes, and so does a newer one', async () => {
    const runId = await runningRun();
    const [stepId] = await startedStep(runId);
    const completedAt = timeOf(await storage().events.create(runId, stepCompleted(stepId)));

    const equal = await writers[2].events.create(runId, stepCreated(`step_${nextUlid()}`), {
      stateUpdatedAt: completedAt,
    });
    expect(equal.step?.status).toBe('pending');
    const newer = await writers[2].events.create(
      runId,
      {
        eventType: 'wait_created',
        correlationId: `wait_${nextUlid()}`,
        eventData: { resumeAt: new Date(Date.now() + 60_000) },
      },
      { stateUpdatedAt: completedAt + 5_000 },
    );
    expect(newer.wait?.status).toBe('waiting');
    // Replay-origin writes leave the marker where the external result put it.
    expect(await marker(runId)).toBe(completedAt);
  });

  it('step_completed and hook_received carrying stateUpdatedAt do not move the marker', async () => {
    const runId = await runningRun();
    const [stepId, snapshot] = await startedStep(runId);
    const [hookId] = await createdHook(runId);
    await clockPast(snapshot);

    const completed = await storage().events.create(runId, stepCompleted(stepId), {
      stateUpdatedAt: snapshot,
    });
    const received = await storage().events.create(runId, hookReceived(hookId), {
      stateUpdatedAt: snapshot,
    });
    expect(timeOf(completed)).toBeGreaterThan(snapshot);
    expect(timeOf(received)).toBeGreaterThan(snapshot);
    expect(await marker(runId)).toBeUndefined();

    const ended = await storage().events.create(
      runId,
      { eventType: 'run_completed', eventData: { output: bytes('done') } },
      { stateUpdatedAt: snapshot },
    );
    expect(ended.run?.status).toBe('completed');
  });

  it('hook_received without stateUpdatedAt moves the marker and refuses older snapshots', async () => {
    const runId = await runningRun();
    const [hookId, snapshot] = await createdHook(runId);
    await clockPast(snapshot);

    const receivedAt = timeOf(await writers[3].events.create(runId, hookReceived(hookId)));
    expect(receivedAt).toBeGreaterThan(snapshot);
    expect(await marker(runId)).toBe(receivedAt);

    const wait = {
      eventType: 'wait_created',
      correlationId: `wait_${nextUlid()}`,
      eventData: { resumeAt: new Date(Date.now() + 60_000) },
    } as const;
    const before = await eventIds(storage(), runId);
    const error = await rejection(
      storage().events.create(runId, wait, { stateUpdatedAt: snapshot }),
    );
    expect(PreconditionFailedError.is(error)).toBe(true);
    expect(await eventIds(storage(), runId)).toEqual(before);
    // The replay reloads the log (now with the payload) and retries with its time.
    const retried = await storage().events.create(runId, wait, { stateUpdatedAt: receivedAt });
    expect(retried.wait?.status).toBe('waiting');
  });

  it('concurrent external deliveries leave the marker at the newest one, never behind it', async () => {
    const runId = await runningRun();
    const hookIds: string[] = [];
    for (let index = 0; index < 3; index++) hookIds.push((await createdHook(runId))[0]);
    const settled = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        writers[index % writers.length].events.create(runId, hookReceived(hookIds[index % 3])),
      ),
    );
    const newest = Math.max(...settled.map(timeOf));
    expect(await marker(runId)).toBe(newest);
  });

  it('a replay racing an external step result either commits before it or is refused, never after it', async () => {
    const runIds = await Promise.all(Array.from({ length: 8 }, () => runningRun()));
    const outcomes = await Promise.all(
      runIds.map(async (runId, index) => {
        const [stepId, snapshot] = await startedStep(runId);
        await clockPast(snapshot);
        const replayStep = `step_${nextUlid()}`;
        const [external, replay] = await Promise.allSettled([
          writers[index % 2].events.create(runId, stepCompleted(stepId)),
          writers[2 + (index % 2)].events.create(runId, stepCreated(replayStep), {
            stateUpdatedAt: snapshot,
          }),
        ]);
        if (external.status === 'rejected') throw external.reason;
        const externalId = external.value.event?.eventId as string;
        const log = await eventIds(storage(), runId);
        const steps = (await storage().steps.list({ runId })).data.map((step) => step.stepId);
        if (replay.status === 'rejected') {
          expect(PreconditionFailedError.is(replay.reason)).toBe(true);
          expect(steps).not.toContain(replayStep);
          expect(log.at(-1)).toBe(externalId);
          return 'refused';
        }
        // Admitted: only legal if it was decided and committed before the external result.
        const replayId = replay.value.event?.eventId as string;
        expect(eventIdTime(externalId)).toBeGreaterThan(snapshot);
        expect(log.indexOf(replayId)).toBeLessThan(log.indexOf(externalId));
        expect(steps).toContain(replayStep);
        return 'before';
      }),
    );
    expect(outcomes).toHaveLength(8);
  });

  it('a run whose write guard predates the marker accepts any snapshot (the guard is open)', async () => {
    const runId = await runningRun();
    const [stepId, snapshot] = await startedStep(runId);
    await storage().events.create(runId, stepCompleted(stepId));
    // As stored by a release without the guard: no marker on the #LOG item.
    await documents.send(
      new UpdateCommand({
        TableName: table,
        Key: logKey(runId),
        UpdateExpression: 'REMOVE externalUpdateAt, externalSeq',
      }),
    );
    const created = await storage().events.create(runId, stepCreated(`step_${nextUlid()}`), {
      stateUpdatedAt: snapshot - 1,
    });
    expect(created.step?.status).toBe('pending');
  });
});
