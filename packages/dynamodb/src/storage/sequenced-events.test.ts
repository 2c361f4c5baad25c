import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Event, Storage } from '@workflow/world';
import { monotonicFactory } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TableHandle } from '../connection/lazy-table.js';
import { useLocalDynamoDb } from '../test-support/local-dynamodb.js';
import { CONTENDED_FOR_MS } from './create-event.js';
import { createDynamoDbStorage, type DynamoDbStorage } from './dynamodb-storage.js';
import { eventIdTime, sequencedEventId } from './event-ids.js';
import { eventKey, logKey } from './keys.js';
import { closePositions, reservePositions } from './log-positions.js';
import { POSITION_WAIT_MS } from './sequenced-events.js';

const local = useLocalDynamoDb();
const table = 'worldkit_positions';
const nextUlid = monotonicFactory();
const bytes = (label: string) => new TextEncoder().encode(label);

/** Four storages with their own SDK clients, as writers in separate processes would be. */
let writers: DynamoDbStorage[];
let handle: TableHandle;
/** TransactWriteItems sent and cancelled, and positions taken (UpdateItem), over all writers. */
const transactions = { sent: 0, cancelled: 0, reservations: 0 };
const clients: DynamoDBClient[] = [];

beforeAll(async () => {
  writers = [0, 1, 2, 3].map(() =>
    createDynamoDbStorage({ ...local.settings(table), client: countingClient() }),
  );
  await writers[0].setup();
  const client = local.client();
  handle = { table, client, documents: DynamoDBDocumentClient.from(client) };
});
afterAll(async () => {
  await Promise.all(writers.map((writer) => writer.close()));
  for (const client of clients) client.destroy();
});

function countingClient(): DynamoDBClient {
  const client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: local.server().endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  clients.push(client);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (['UpdateCommand', 'UpdateItemCommand'].includes(context.commandName ?? '')) {
        transactions.reservations++;
      }
      if (context.commandName !== 'TransactWriteItemsCommand') return next(args);
      transactions.sent++;
      try {
        return await next(args);
      } catch (error) {
        if ((error as Error).name === 'TransactionCanceledException') transactions.cancelled++;
        throw error;
      }
    },
    { step: 'initialize', name: 'countTransactions' },
  );
  return client;
}

async function runningRun(storage: Storage): Promise<string> {
  const runId = `wrun_${nextUlid()}`;
  await storage.events.create(runId, {
    eventType: 'run_created',
    eventData: { deploymentId: 'dpl_positions', workflowName: 'positions', input: bytes('in') },
  });
  await storage.events.create(runId, { eventType: 'run_started' });
  return runId;
}

async function createdStep(storage: Storage, runId: string): Promise<string> {
  const stepId = `step_${nextUlid()}`;
  await storage.events.create(runId, {
    eventType: 'step_created',
    correlationId: stepId,
    eventData: { stepName: 'positions', input: bytes('x') },
  });
  return stepId;
}

async function allEvents(storage: Storage, runId: string, limit = 7): Promise<Event[]> {
  const events: Event[] = [];
  let cursor: string | undefined;
  do {
    const page = await storage.events.list({ runId, pagination: { limit, cursor } });
    events.push(...page.data);
    cursor = page.hasMore ? (page.cursor ?? undefined) : undefined;
  } while (cursor);
  return events;
}

/** Byte-wise equality (a deep `toEqual` of megabytes takes most of a minute). */
function sameBytes(actual: unknown, expected: Uint8Array): boolean {
  return actual instanceof Uint8Array && Buffer.compare(actual, expected) === 0;
}

async function idBaseOf(runId: string): Promise<number> {
  const { Item } = await handle.documents.send(
    new GetCommand({ TableName: table, Key: logKey(runId), ConsistentRead: true }),
  );
  return Item?.idBase as number;
}

describe('sequenced event log positions', () => {
  it('step events from four writers on one run all commit, with contiguous sorted ids and no cancelled transaction after each writer’s first lost guard', async () => {
    const runId = await runningRun(writers[0]);
    const stepIds: string[] = [];
    for (let index = 0; index < 24; index++) stepIds.push(await createdStep(writers[0], runId));
    const before = { ...transactions };
    const started = Date.now();
    await Promise.all(
      stepIds.map(async (stepId, index) => {
        const writer = writers[index % writers.length];
        await writer.events.create(runId, { eventType: 'step_started', correlationId: stepId });
        await writer.events.create(runId, {
          eventType: 'step_completed',
          correlationId: stepId,
          eventData: { result: bytes(`done-${index}`) },
        });
      }),
    );
    const cancelled = transactions.cancelled - before.cancelled;
    console.log(
      `4 writers, 48 step events: ${cancelled} of ${transactions.sent - before.sent} transactions cancelled`,
    );
    // A writer races the guard until it loses once; from then on, for CONTENDED_FOR_MS, it
    // takes positions instead.
    const windows = 1 + Math.floor((Date.now() - started) / CONTENDED_FOR_MS);
    expect(cancelled, 'cancelled transactions').toBeLessThanOrEqual(writers.length * windows);

    const events = await allEvents(writers[1], runId);
    const ids = events.map((event) => event.eventId);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids).size).toBe(ids.length);
    expect(events.filter((event) => event.eventType === 'step_completed')).toHaveLength(24);
    // Positions are contiguous: the id times step by one from the first event.
    const times = ids.map(eventIdTime);
    expect(times).toEqual(times.map((_, index) => (times[0] as number) + index));
    for (const stepId of stepIds) {
      expect((await writers[2].steps.get(runId, stepId)).status).toBe('completed');
    }
  });

  it(`a reader waits on a position its writer never filled, closes it after ${POSITION_WAIT_MS / 1000} s, and the late writer cannot insert an event there`, async () => {
    const runId = await runningRun(writers[0]);
    // A writer that took a position and crashed before its transaction.
    const { firstSeq, idBase } = await reservePositions(handle, runId, 1, undefined);
    const stepId = await createdStep(writers[1], runId);
    const started = Date.now();
    const events = await allEvents(writers[2], runId, 2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(POSITION_WAIT_MS - 50);
    expect(events.map((event) => event.eventType)).toEqual([
      'run_created',
      'run_started',
      'step_created',
    ]);
    expect(events.at(-1)?.correlationId).toBe(stepId);
    const closed = eventKey(runId, sequencedEventId(runId, idBase, firstSeq));
    const { Item } = await handle.documents.send(
      new GetCommand({ TableName: table, Key: closed, ConsistentRead: true }),
    );
    expect(Item?.entity).toBe('void');
    // The late writer's event put is conditional on the position being empty, as the
    // reserved write's is: it fails, so nothing appears before what the reader returned.
    await expect(
      handle.documents.send(
        new PutCommand({
          TableName: table,
          Item: { ...closed, entity: 'event', eventType: 'step_started' },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect((await allEvents(writers[3], runId)).map((event) => event.eventId)).toEqual(
      events.map((event) => event.eventId),
    );
    await expect(
      writers[3].events.get(runId, sequencedEventId(runId, idBase, firstSeq)),
    ).rejects.toMatchObject({ status: 404 });
  }, 30_000);

  it('a void position that moved the marker does not refuse a replay that loaded everything', async () => {
    const runId = await runningRun(writers[0]);
    const stepId = await createdStep(writers[0], runId);
    const last = (await allEvents(writers[0], runId)).at(-1) as Event;
    // An external step result took a position (moving the marker) and its transaction failed.
    const reservation = await reservePositions(handle, runId, 1, 1);
    await closePositions(handle, runId, reservation.idBase, [reservation.firstSeq]);
    const idBase = await idBaseOf(runId);
    expect(reservation.idBase).toBe(idBase);

    const created = await writers[1].events.create(
      runId,
      { eventType: 'step_started', correlationId: stepId },
      { stateUpdatedAt: eventIdTime(last.eventId) },
    );
    expect(created.step?.status).toBe('running');
    // A real external result after the snapshot still refuses it.
    await writers[2].events.create(runId, {
      eventType: 'step_completed',
      correlationId: stepId,
      eventData: { result: bytes('done') },
    });
    await expect(
      writers[3].events.create(
        runId,
        {
          eventType: 'wait_created',
          correlationId: `wait_${nextUlid()}`,
          eventData: { resumeAt: new Date(Date.now() + 60_000) },
        },
        { stateUpdatedAt: eventIdTime(last.eventId) },
      ),
    ).rejects.toMatchObject({ status: 412 });
  });

  it('a replay create taking positions is refused (412) when an external result takes one between its read and its reservation', async () => {
    // A writer whose reservation is held until an external step result has committed.
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let reached: () => void = () => undefined;
    const reservationReached = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const held = countingClient();
    held.middlewareStack.add(
      (next, context) => async (args) => {
        if (
          context.commandName === 'UpdateCommand' ||
          context.commandName === 'UpdateItemCommand'
        ) {
          reached();
          await released;
        }
        return next(args);
      },
      { step: 'initialize', name: 'holdReservation' },
    );
    const replay = createDynamoDbStorage({ ...local.settings(table), client: held });
    try {
      const runId = await runningRun(writers[0]);
      const stepId = await createdStep(writers[0], runId);
      await writers[0].events.create(runId, { eventType: 'step_started', correlationId: stepId });
      const snapshot = eventIdTime((await allEvents(writers[0], runId)).at(-1)?.eventId as string);
      const creating = replay.events
        .create(
          runId,
          {
            eventType: 'step_created',
            correlationId: `step_${nextUlid()}`,
            eventData: { stepName: 'late', input: bytes('y') },
          },
          { stateUpdatedAt: snapshot },
        )
        .then(
          () => 'written',
          (error: { status?: number }) => error.status,
        );
      await reservationReached;
      await writers[1].events.create(runId, {
        eventType: 'step_completed',
        correlationId: stepId,
        eventData: { result: bytes('done') },
      });
      release();
      expect(await creating, 'the replay create decided before the external result').toBe(412);
      const types = (await allEvents(writers[2], runId)).map((event) => event.eventType);
      expect(types.at(-1)).toBe('step_completed');
      expect(types.filter((type) => type === 'step_created')).toHaveLength(1);
    } finally {
      release();
      await replay.close();
    }
  });

  it('a step result too large for one transaction is written in two phases around its reservation and reads back whole', async () => {
    const runId = await runningRun(writers[0]);
    const stepId = await createdStep(writers[0], runId);
    await writers[0].events.create(runId, { eventType: 'step_started', correlationId: stepId });
    const output = new Uint8Array(5 * 1024 * 1024).map((_, index) => index % 251);
    // Written by a writer that did not write the run last: a reserved write.
    const before = { ...transactions };
    await writers[1].events.create(runId, {
      eventType: 'step_completed',
      correlationId: stepId,
      eventData: { result: output },
    });
    expect(transactions.cancelled - before.cancelled, 'cancelled transactions').toBe(0);
    expect(transactions.reservations - before.reservations, 'positions taken').toBe(1);
    const step = await writers[2].steps.get(runId, stepId);
    expect(step.status).toBe('completed');
    expect(sameBytes(step.output, output), 'the step output read back').toBe(true);
    const completed = (await allEvents(writers[3], runId)).at(-1) as Event;
    expect(completed.eventType).toBe('step_completed');
    const stored = await writers[3].events.get(runId, completed.eventId, { resolveData: 'all' });
    const data = (stored as Event & { eventData: { result: Uint8Array } }).eventData;
    expect(sameBytes(data.result, output), 'the event result read back').toBe(true);
  });

  it('no position is taken after the run ended: a late step event is refused', async () => {
    const runId = await runningRun(writers[0]);
    await writers[0].events.create(runId, {
      eventType: 'run_completed',
      eventData: { output: bytes('done') },
    });
    await expect(reservePositions(handle, runId, 1, undefined)).rejects.toMatchObject({
      name: 'StaleWrite',
    });
  });

  it('a run stored before event ids were sequenced keeps its guard on lastEventId', async () => {
    const runId = await runningRun(writers[0]);
    await handle.documents.send(
      new UpdateCommand({
        TableName: table,
        Key: logKey(runId),
        UpdateExpression: 'REMOVE lastSeq, idBase, externalSeq',
      }),
    );
    const stepIds = await Promise.all(writers.map(async (writer) => createdStep(writer, runId)));
    await Promise.all(
      stepIds.map((stepId, index) =>
        writers[(index + 1) % writers.length].events.create(runId, {
          eventType: 'step_started',
          correlationId: stepId,
        }),
      ),
    );
    const events = await allEvents(writers[0], runId);
    expect(events).toHaveLength(2 + 2 * stepIds.length);
    const ids = events.map((event) => event.eventId);
    expect(ids).toEqual([...ids].sort());
    await expect(reservePositions(handle, runId, 1, undefined)).rejects.toMatchObject({
      name: 'StaleWrite',
    });
  });
});
