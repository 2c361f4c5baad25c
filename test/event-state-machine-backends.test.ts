import type { Storage } from '@workflow/world';
import { type ComposedWorld, createWorld } from '@worldkit/core';
import { dynamodbStorage } from '@worldkit/dynamodb';
import { localQueue, localStorage, localStreamer } from '@worldkit/local';
import { postgresStorage } from '@worldkit/postgres';
import {
  type RunningDynamoDbLocal,
  type RunningServer,
  startDynamoDbLocal,
  startPostgresServer,
} from '@worldkit/test-servers';
import { silentLogger } from '@worldkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// One state machine (`decide` in @worldkit/core) behind every backend: the same script of
// events gets the same answers — error class, status and message, or the accepted result's
// shape — from local, PostgreSQL and DynamoDB, including legacy (spec 1) runs and maxEvents.

const bytes = new Uint8Array([1, 2, 3]);
type Step = [label: string, run: 'current' | 'legacy', request: Record<string, unknown>];

const SCRIPT: Step[] = [
  ['start', 'current', { eventType: 'run_started' }],
  ['start again', 'current', { eventType: 'run_started' }],
  ['missing step', 'current', { eventType: 'step_started', correlationId: 'step_x' }],
  ['create step', 'current', step('step_created', { stepName: 's', input: bytes })],
  ['create step again', 'current', step('step_created', { stepName: 's', input: bytes })],
  ['start step', 'current', step('step_started')],
  ['complete step', 'current', step('step_completed', { result: bytes })],
  ['fail completed step', 'current', step('step_failed', { error: { message: 'x' } })],
  ['missing wait', 'current', { eventType: 'wait_completed', correlationId: 'wait_x' }],
  ['create wait', 'current', wait('wait_created', { resumeAt: new Date(0) })],
  ['complete wait', 'current', wait('wait_completed')],
  ['complete wait again', 'current', wait('wait_completed')],
  [
    'missing hook',
    'current',
    { eventType: 'hook_received', correlationId: 'hook_x', eventData: { payload: bytes } },
  ],
  ['create hook', 'current', hook('hook_1', 'hook_created', { token: 'sm-token' })],
  ['claim a held token', 'current', hook('hook_2', 'hook_created', { token: 'sm-token' })],
  ['create hook again', 'current', hook('hook_1', 'hook_created', { token: 'other' })],
  ['dispose hook', 'current', hook('hook_1', 'hook_disposed')],
  ['payload after disposal', 'current', hook('hook_1', 'hook_received', { payload: bytes })],
  ['complete run', 'current', { eventType: 'run_completed', eventData: { output: bytes } }],
  ['start ended run', 'current', { eventType: 'run_started' }],
  ['cancel ended run', 'current', { eventType: 'run_cancelled' }],
  [
    'step on ended run',
    'current',
    { ...step('step_created', { stepName: 's' }), correlationId: 'step_2' },
  ],
  ['legacy step', 'legacy', step('step_created', { stepName: 's', input: bytes })],
  ['legacy wait completion', 'legacy', wait('wait_completed')],
  ['legacy cancel', 'legacy', { eventType: 'run_cancelled' }],
];

function step(eventType: string, eventData?: Record<string, unknown>) {
  return { eventType, correlationId: 'step_1', ...(eventData ? { eventData } : {}) };
}
function hook(hookId: string, eventType: string, eventData?: Record<string, unknown>) {
  return { eventType, correlationId: hookId, ...(eventData ? { eventData } : {}) };
}
function wait(eventType: string, eventData?: Record<string, unknown>) {
  return { eventType, correlationId: 'wait_1', ...(eventData ? { eventData } : {}) };
}

/** What a backend answered, with its run ids replaced so backends compare equal. */
async function runScript(storage: Storage): Promise<string[]> {
  const create = (runId: string | null, request: Record<string, unknown>) =>
    storage.events.create(runId as string, request as never);
  const input = { deploymentId: 'dpl', workflowName: 'state-machine', input: bytes };
  const current = await create(null, { eventType: 'run_created', eventData: input });
  const legacy = await create(null, { eventType: 'run_created', eventData: input, specVersion: 1 });
  const runIds = { current: current.run!.runId, legacy: legacy.run!.runId };
  const answers = [
    `created: maxEvents ${current.maxEvents}, legacy spec ${legacy.run?.specVersion}`,
  ];
  for (const [label, run, request] of SCRIPT) {
    const answer = await create(runIds[run], request).then(
      (result) =>
        [
          `event ${result.event?.eventType ?? 'none'}`,
          result.run ? `run ${result.run.status}, maxEvents ${result.maxEvents}` : '',
          result.step ? `step ${result.step.status} attempt ${result.step.attempt}` : '',
          result.wait ? `wait ${result.wait.status}` : '',
          result.hook ? `hook ${result.hook.hookId}` : '',
        ]
          .filter(Boolean)
          .join('; '),
      (error: Error & { status?: number }) => `${error.name} ${error.status}: ${error.message}`,
    );
    answers.push(
      `${label}: ${answer.replaceAll(runIds.current, '<run>').replaceAll(runIds.legacy, '<legacy>')}`,
    );
  }
  return answers;
}

describe('one event state machine behind every storage backend', () => {
  let postgres: RunningServer;
  let dynamo: RunningDynamoDbLocal;
  beforeAll(async () => {
    [postgres, dynamo] = await Promise.all([startPostgresServer(), startDynamoDbLocal()]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([postgres?.stop(), dynamo?.stop()]);
  });

  const compose = (storage: Parameters<typeof createWorld>[0]['storage']): ComposedWorld =>
    createWorld({
      storage,
      queue: localQueue({ memory: true }),
      streamer: localStreamer({ memory: true }),
      logger: silentLogger,
    });

  it('local, PostgreSQL and DynamoDB answer the same script the same way', async () => {
    process.env.AWS_ACCESS_KEY_ID ??= 'local';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
    const worlds = {
      local: compose(localStorage({ memory: true })),
      postgres: compose(
        postgresStorage({ connectionString: postgres.url, schema: 'state_machine' }),
      ),
      dynamodb: compose(
        dynamodbStorage({
          table: 'worldkit_state_machine',
          region: 'us-east-1',
          endpoint: dynamo.endpoint,
        }),
      ),
    };
    try {
      const local = await runScript(worlds.local);
      expect(local).toEqual([
        'created: maxEvents 25000, legacy spec 1',
        'start: event run_started; run running, maxEvents 25000',
        'start again: event none; run running, maxEvents 25000',
        'missing step: WorkflowWorldError 404: Step "step_x" not found',
        'create step: event step_created; step pending attempt 0',
        'create step again: EntityConflictError 409: Step "step_1" already exists',
        'start step: event step_started; step running attempt 1',
        'complete step: event step_completed; step completed attempt 1',
        'fail completed step: EntityConflictError 409: Cannot modify step in terminal state "completed"',
        'missing wait: WorkflowWorldError 404: Wait "wait_x" not found',
        'create wait: event wait_created; wait waiting',
        'complete wait: event wait_completed; wait completed',
        'complete wait again: EntityConflictError 409: Wait "wait_1" already completed',
        'missing hook: HookNotFoundError 404: Hook not found',
        'create hook: event hook_created; hook hook_1',
        'claim a held token: event hook_conflict',
        'create hook again: EntityConflictError 409: Hook "hook_1" already exists',
        'dispose hook: event hook_disposed',
        'payload after disposal: HookNotFoundError 404: Hook not found',
        'complete run: event run_completed; run completed, maxEvents 25000',
        'start ended run: RunExpiredError 410: Workflow run "<run>" is already in terminal state "completed"',
        'cancel ended run: EntityConflictError 409: Cannot transition run from terminal state "completed"',
        'step on ended run: EntityConflictError 409: Cannot create new entities on run in terminal state "completed"',
        "legacy step: WorkflowWorldError 400: Event type 'step_created' not supported for legacy runs (specVersion: 1). Please upgrade 'workflow' package.",
        'legacy wait completion: event wait_completed',
        'legacy cancel: event none; run cancelled, maxEvents 25000',
      ]);
      expect(await runScript(worlds.postgres), 'postgres').toEqual(local);
      expect(await runScript(worlds.dynamodb), 'dynamodb').toEqual(local);
    } finally {
      await Promise.all(Object.values(worlds).map((world) => world.close()));
    }
  }, 120_000);
});
