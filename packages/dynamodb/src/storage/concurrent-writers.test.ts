import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { EntityConflictError } from '@workflow/errors';
import type { Event, Storage } from '@workflow/world';
import { monotonicFactory } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useLocalDynamoDb } from '../test-support/local-dynamodb.js';
import { createDynamoDbStorage, type DynamoDbStorage } from './dynamodb-storage.js';
import { tokenKey } from './keys.js';

const local = useLocalDynamoDb();
const table = 'worldkit_races';
const nextUlid = monotonicFactory();
const bytes = (label: string) => new TextEncoder().encode(label);

/** Four storages with their own SDK clients: writers as separate processes would be. */
let writers: DynamoDbStorage[];
beforeAll(async () => {
  writers = [0, 1, 2, 3].map(() => createDynamoDbStorage(local.settings(table)));
  await writers[0].setup();
});
afterAll(async () => {
  await Promise.all(writers.map((writer) => writer.close()));
});

async function runningRun(storage: Storage): Promise<string> {
  const runId = `wrun_${nextUlid()}`;
  await storage.events.create(runId, {
    eventType: 'run_created',
    eventData: { deploymentId: 'dpl_race', workflowName: 'race', input: bytes('in') },
  });
  await storage.events.create(runId, { eventType: 'run_started' });
  return runId;
}

async function allEvents(storage: Storage, runId: string): Promise<Event[]> {
  const events: Event[] = [];
  let cursor: string | undefined;
  do {
    const page = await storage.events.list({ runId, pagination: { limit: 7, cursor } });
    events.push(...page.data);
    cursor = page.hasMore ? (page.cursor ?? undefined) : undefined;
  } while (cursor);
  return events;
}

describe('concurrent writers on separate clients', () => {
  it('concurrent step_completed for one step: one wins, the rest get EntityConflictError', async () => {
    const runId = await runningRun(writers[0]);
    const stepId = `step_${nextUlid()}`;
    await writers[0].events.create(runId, {
      eventType: 'step_created',
      correlationId: stepId,
      eventData: { stepName: 'race', input: bytes('x') },
    });
    await writers[1].events.create(runId, { eventType: 'step_started', correlationId: stepId });

    const settled = await Promise.allSettled(
      writers.map((writer, index) =>
        writer.events.create(runId, {
          eventType: 'step_completed',
          correlationId: stepId,
          eventData: { result: bytes(`writer-${index}`) },
        }),
      ),
    );
    const winners = settled.filter((result) => result.status === 'fulfilled');
    expect(winners).toHaveLength(1);
    for (const result of settled) {
      if (result.status === 'rejected') expect(EntityConflictError.is(result.reason)).toBe(true);
    }
    const winner = settled.indexOf(winners[0]);
    const step = await writers[2].steps.get(runId, stepId);
    expect(step.output).toEqual(bytes(`writer-${winner}`));
    const completed = (await allEvents(writers[3], runId)).filter(
      (event) => event.eventType === 'step_completed',
    );
    expect(completed).toHaveLength(1);
  });

  it('concurrent hook_created claiming one token from eight runs: one hook, seven hook_conflict', async () => {
    const runIds = await Promise.all(
      Array.from({ length: 8 }, (_, index) => runningRun(writers[index % writers.length])),
    );
    const token = `token-${nextUlid()}`;
    const results = await Promise.all(
      runIds.map((runId, index) =>
        writers[index % writers.length].events.create(runId, {
          eventType: 'hook_created',
          correlationId: `hook_${nextUlid()}`,
          eventData: { token },
        }),
      ),
    );
    const created = results.filter((result) => result.event?.eventType === 'hook_created');
    const conflicts = results.filter((result) => result.event?.eventType === 'hook_conflict');
    expect(created).toHaveLength(1);
    expect(conflicts).toHaveLength(7);
    const holder = await writers[0].hooks.getByToken(token);
    expect(holder.runId).toBe(created[0].event?.runId);
    for (const conflict of conflicts) {
      const data = (conflict.event as { eventData: { conflictingRunId: string } }).eventData;
      expect(data.conflictingRunId).toBe(holder.runId);
    }
  });

  it('event ids sort in commit order when many writers append to one run', async () => {
    const runId = await runningRun(writers[0]);
    const stepIds = Array.from({ length: 16 }, () => `step_${nextUlid()}`);
    await Promise.all(
      stepIds.map((stepId, index) =>
        writers[index % writers.length].events.create(runId, {
          eventType: 'step_created',
          correlationId: stepId,
          eventData: { stepName: 'fan-out', input: bytes(stepId) },
        }),
      ),
    );
    const events = await allEvents(writers[1], runId);
    expect(events).toHaveLength(18);
    const ids = events.map((event) => event.eventId);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(events.slice(2).map((event) => event.correlationId))).toEqual(new Set(stepIds));
    const steps = await writers[2].steps.list({ runId, pagination: { limit: 100 } });
    expect(steps.data).toHaveLength(16);
  });

  it('a run ending with more hooks than fit one transaction releases all of them', async () => {
    const runId = await runningRun(writers[0]);
    // 45 hooks = 90 deletions (hook + token each): more than the ending's transaction holds.
    const tokens: string[] = [];
    for (let index = 0; index < 45; index++) {
      const token = `token-${nextUlid()}`;
      tokens.push(token);
      await writers[0].events.create(runId, {
        eventType: 'hook_created',
        correlationId: `hook_${nextUlid()}`,
        eventData: { token },
      });
    }
    await writers[0].events.create(runId, {
      eventType: 'run_completed',
      eventData: { output: bytes('done') },
    });
    expect((await writers[1].hooks.list({ runId })).data).toEqual([]);

    const claimant = await runningRun(writers[2]);
    const claimed = await writers[2].events.create(claimant, {
      eventType: 'hook_created',
      correlationId: `hook_${nextUlid()}`,
      eventData: { token: tokens[44] },
    });
    expect(claimed.event?.eventType).toBe('hook_created');
  });

  it('a token left behind by a hook that no longer exists is taken over, not reported as a conflict', async () => {
    const token = `token-${nextUlid()}`;
    const documents = DynamoDBDocumentClient.from(local.client());
    await documents.send(
      new PutCommand({
        TableName: table,
        Item: {
          ...tokenKey(token),
          entity: 'hookToken',
          schemaVersion: 1,
          token,
          runId: `wrun_${nextUlid()}`,
          hookId: 'hook_gone',
          createdAt: Date.now(),
        },
      }),
    );
    const runId = await runningRun(writers[3]);
    const result = await writers[3].events.create(runId, {
      eventType: 'hook_created',
      correlationId: `hook_${nextUlid()}`,
      eventData: { token },
    });
    expect(result.event?.eventType).toBe('hook_created');
    expect((await writers[0].hooks.getByToken(token)).runId).toBe(runId);
  });
});
