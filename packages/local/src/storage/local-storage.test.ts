import {
  EntityConflictError,
  PreconditionFailedError,
  TooEarlyError,
  WorkflowWorldError,
} from '@workflow/errors';
import type { AnyEventRequest } from '@workflow/world';
import { SPEC_VERSION_CURRENT } from '@workflow/world';
import type { StorageInstance } from '@worldkit/core';
import { decodeTime, ulid } from 'ulid';
import { beforeEach, describe, expect, it } from 'vitest';
import { createLocalStorage } from './local-storage.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const spec = SPEC_VERSION_CURRENT;

let storage: StorageInstance;

beforeEach(() => {
  storage = createLocalStorage({});
});

const create = (runId: string, request: AnyEventRequest, params?: { stateUpdatedAt?: number }) =>
  storage.events.create(runId, request as never, params);

async function createRun(fields: { deploymentId?: string; specVersion?: number } = {}) {
  const runId = `wrun_${ulid()}`;
  await storage.events.create(runId, {
    eventType: 'run_created',
    specVersion: fields.specVersion ?? spec,
    eventData: {
      deploymentId: fields.deploymentId ?? 'dpl_1',
      workflowName: 'wf',
      input: bytes('input'),
    },
  });
  return runId;
}

async function createRunningStep(runId: string, stepId: string) {
  await create(runId, {
    eventType: 'step_created',
    correlationId: stepId,
    specVersion: spec,
    eventData: { stepName: 'add', input: bytes('in') },
  });
  await create(runId, { eventType: 'step_started', correlationId: stepId, specVersion: spec });
}

describe('local storage (memory)', () => {
  it('hands out copies: changing a result or a sent request leaves stored data alone', async () => {
    const runId = await createRun();
    const input = bytes('step-input');
    const sent = {
      eventType: 'step_created',
      correlationId: 'step_1',
      specVersion: spec,
      eventData: { stepName: 'add', input },
    } as const;
    const result = await create(runId, sent);
    input[0] = 0;
    (result.step!.input as Uint8Array)[1] = 0;
    result.step!.status = 'completed';
    const listed = await storage.events.list({ runId });
    (listed.data[1] as { eventData: { stepName: string } }).eventData.stepName = 'changed';

    const step = await storage.steps.get(runId, 'step_1');
    expect(step.status).toBe('pending');
    expect(step.input).toEqual(bytes('step-input'));
    const event = await storage.events.get(runId, listed.data[1].eventId);
    expect(event).toMatchObject({ eventData: { stepName: 'add', input: bytes('step-input') } });
  });

  it('keeps each storage created without a dataDir separate', async () => {
    const runId = await createRun();
    const other = createLocalStorage({});
    expect((await other.runs.list()).data).toEqual([]);
    expect((await storage.runs.get(runId)).runId).toBe(runId);
  });

  it('rejects a stale replay snapshot after an out-of-band step result (412)', async () => {
    const runId = await createRun();
    await create(runId, { eventType: 'run_started', specVersion: spec });
    await createRunningStep(runId, 'step_1');
    const snapshotBefore = Date.now() - 1_000;
    const completed = await create(runId, {
      eventType: 'step_completed',
      correlationId: 'step_1',
      specVersion: spec,
      eventData: { result: bytes('out') },
    });
    const wait = {
      eventType: 'wait_created',
      correlationId: 'wait_1',
      specVersion: spec,
      eventData: { resumeAt: new Date() },
    } as const;
    await expect(create(runId, wait, { stateUpdatedAt: snapshotBefore })).rejects.toSatisfy(
      PreconditionFailedError.is,
    );
    // A snapshot that includes the result (same millisecond) passes: no livelock.
    const snapshotAfter = decodeTime(completed.event!.eventId.slice('evnt_'.length));
    const created = await create(runId, wait, { stateUpdatedAt: snapshotAfter });
    expect(created.wait?.status).toBe('waiting');
  });

  it('does not advance the snapshot marker for writes that come from a replay', async () => {
    const runId = await createRun();
    await create(runId, { eventType: 'run_started', specVersion: spec });
    await create(runId, {
      eventType: 'hook_created',
      correlationId: 'hook_1',
      specVersion: spec,
      eventData: { token: `tok-${ulid()}` },
    });
    const snapshot = Date.now() - 1_000;
    await create(
      runId,
      {
        eventType: 'hook_received',
        correlationId: 'hook_1',
        specVersion: spec,
        eventData: { payload: bytes('p') },
      },
      { stateUpdatedAt: snapshot },
    );
    const result = await create(
      runId,
      { eventType: 'run_completed', specVersion: spec, eventData: { output: bytes('done') } },
      { stateUpdatedAt: snapshot },
    );
    expect(result.run?.status).toBe('completed');
  });

  it('reports how long to wait when a step is started before retryAfter', async () => {
    const runId = await createRun();
    await createRunningStep(runId, 'step_1');
    await create(runId, {
      eventType: 'step_retrying',
      correlationId: 'step_1',
      specVersion: spec,
      eventData: { error: { message: 'boom' }, retryAfter: new Date(Date.now() + 30_000) },
    });
    const failure = await create(runId, {
      eventType: 'step_started',
      correlationId: 'step_1',
      specVersion: spec,
    }).catch((error: unknown) => error);
    expect(TooEarlyError.is(failure)).toBe(true);
    expect((failure as TooEarlyError & { retryAfter: number }).retryAfter).toBeGreaterThan(25);
    expect((await storage.steps.get(runId, 'step_1')).status).toBe('pending');
  });

  it('lets exactly one of many concurrent writers complete a step', async () => {
    const runId = await createRun();
    await createRunningStep(runId, 'step_1');
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, (_, index) =>
        create(runId, {
          eventType: 'step_completed',
          correlationId: 'step_1',
          specVersion: spec,
          eventData: { result: bytes(`out-${index}`) },
        }),
      ),
    );
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') expect(EntityConflictError.is(outcome.reason)).toBe(true);
    }
    const events = await storage.events.listByCorrelationId({ correlationId: 'step_1', runId });
    expect(events.data.filter((event) => event.eventType === 'step_completed')).toHaveLength(1);
  });

  it('applies a write at once and settles the writes of one turn together on the next turn', async () => {
    // As with the journal: state changes when the write is decided, and the caller resumes
    // once the turn's writes are "committed" (here: on the next turn, with no bytes to write).
    // Resolving inside the caller's own turn let one chain of writes, sends and deliveries run
    // ahead of the runtime's replays, which then raced it (stale-snapshot 412s) and polled.
    const runIds = [`wrun_${ulid()}`, `wrun_${ulid()}`];
    let settled = 0;
    for (const runId of runIds) {
      void create(runId, {
        eventType: 'run_created',
        specVersion: spec,
        eventData: { deploymentId: 'dpl_1', workflowName: 'wf', input: bytes('in') },
      } as AnyEventRequest).then(() => settled++);
    }
    for (let tick = 0; tick < 50; tick++) await Promise.resolve();
    expect(settled).toBe(0);
    expect((await storage.runs.get(runIds[1])).status).toBe('pending');

    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(2);
  });

  it('filters runs by deploymentId for version tooling', async () => {
    const onA = await createRun({ deploymentId: 'vers_a' });
    await createRun({ deploymentId: 'vers_b' });
    const listed = await storage.runs.list({ deploymentId: 'vers_a' } as never);
    expect(listed.data.map((run) => run.runId)).toEqual([onA]);
  });

  it('rejects a malformed event with a 400 before storing anything', async () => {
    const runId = await createRun();
    const failure = await create(runId, {
      eventType: 'step_created',
      correlationId: '',
      specVersion: spec,
      eventData: { stepName: 'add', input: bytes('in') },
    }).catch((error: unknown) => error);
    expect(WorkflowWorldError.is(failure)).toBe(true);
    expect((failure as WorkflowWorldError).status).toBe(400);
    expect((await storage.events.list({ runId })).data).toHaveLength(1);
  });

  it('rejects an unreadable cursor with a 400, so the runtime reloads from the start', async () => {
    const runId = await createRun();
    const failure = await storage.events
      .list({ runId, pagination: { cursor: 'garbage' } })
      .catch((error: unknown) => error);
    expect((failure as WorkflowWorldError).status).toBe(400);
  });

  it('treats spec-version-1 runs as legacy: cancelling writes no event', async () => {
    const runId = await createRun({ specVersion: 1 });
    const result = await create(runId, { eventType: 'run_cancelled', specVersion: spec });
    expect(result.event).toBeUndefined();
    expect(result.run?.status).toBe('cancelled');
    expect((await storage.events.list({ runId })).data.map((event) => event.eventType)).toEqual([
      'run_created',
    ]);
  });
});
