import {
  EntityConflictError,
  HookNotFoundError,
  PreconditionFailedError,
  RunExpiredError,
  RunNotSupportedError,
  TooEarlyError,
  WorkflowRunNotFoundError,
  WorkflowWorldError,
} from '@workflow/errors';
import { SPEC_VERSION_CURRENT } from '@workflow/world';
import { ulid } from 'ulid';
import { afterEach, describe, expect, it } from 'vitest';
import { decide } from './decide.js';
import type { AnyEventRequest, EventFacts, RunFacts } from './facts.js';
import type { Acceptance, EventPlan, Rejection } from './plan.js';
import { acceptedOrThrow, rejectionError } from './rejections.js';

const RUN_ID = `wrun_${ulid()}`;
const NOW = new Date('2026-01-01T00:00:00.000Z');
const bytes = (text: string) => new TextEncoder().encode(text);

const requests: Record<AnyEventRequest['eventType'], AnyEventRequest> = {
  run_created: {
    eventType: 'run_created',
    eventData: { deploymentId: 'dpl', workflowName: 'wf', input: bytes('in') },
  },
  run_started: { eventType: 'run_started' },
  run_completed: { eventType: 'run_completed', eventData: { output: bytes('out') } },
  run_failed: { eventType: 'run_failed', eventData: { error: { message: 'boom' } } },
  run_cancelled: { eventType: 'run_cancelled' },
  step_created: {
    eventType: 'step_created',
    correlationId: 'step_1',
    eventData: { stepName: 'add', input: bytes('step-in') },
  },
  step_started: { eventType: 'step_started', correlationId: 'step_1' },
  step_completed: {
    eventType: 'step_completed',
    correlationId: 'step_1',
    eventData: { result: bytes('r') },
  },
  step_failed: {
    eventType: 'step_failed',
    correlationId: 'step_1',
    eventData: { error: 'bad', stack: 'at x' },
  },
  step_retrying: {
    eventType: 'step_retrying',
    correlationId: 'step_1',
    eventData: { error: { message: 'again' }, retryAfter: new Date(NOW.getTime() + 5000) },
  },
  hook_created: {
    eventType: 'hook_created',
    correlationId: 'hook_1',
    eventData: { token: 'tok', metadata: bytes('m') },
  },
  hook_received: { eventType: 'hook_received', correlationId: 'hook_1', eventData: { payload: 1 } },
  hook_disposed: { eventType: 'hook_disposed', correlationId: 'hook_1' },
  wait_created: {
    eventType: 'wait_created',
    correlationId: 'wait_1',
    eventData: { resumeAt: new Date(NOW.getTime() + 60_000) },
  },
  wait_completed: { eventType: 'wait_completed', correlationId: 'wait_1' },
} as unknown as Record<AnyEventRequest['eventType'], AnyEventRequest>;

type RunStatus = RunFacts['status'];
const STATUSES: RunStatus[] = ['pending', 'running', 'completed', 'failed', 'cancelled'];

/** Facts where the event's target is in the state the event needs (absent for creations). */
function factsFor(
  type: string,
  status: RunStatus | undefined,
  overrides: Partial<EventFacts> = {},
) {
  const facts: EventFacts = { now: NOW, runId: RUN_ID };
  if (status) facts.run = { status, specVersion: SPEC_VERSION_CURRENT };
  if (/^step_(started|completed|failed|retrying)$/.test(type)) {
    facts.step = { status: 'pending', attempt: 0 };
  }
  if (type === 'hook_received' || type === 'hook_disposed') {
    facts.hook = { runId: RUN_ID, token: 'tok' };
  }
  if (type === 'wait_completed') facts.wait = { status: 'waiting' };
  return { ...facts, ...overrides };
}

function run(type: string, status: RunStatus | undefined, overrides: Partial<EventFacts> = {}) {
  return decide(factsFor(type, status, overrides), {
    runId: RUN_ID,
    event: requests[type as AnyEventRequest['eventType']],
  });
}

/** `accept`, or the refusal as `ErrorName/status`. */
function outcome(plan: EventPlan): string {
  return plan.kind === 'accept' ? 'accept' : `${plan.error}/${plan.status}`;
}

const ACCEPT = 'accept';
const CONFLICT = 'EntityConflictError/409';
const EXPIRED = 'RunExpiredError/410';
const NOT_FOUND = 'WorkflowWorldError/404';
const HOOK_GONE = 'HookNotFoundError/404';

/** Expected outcome per event type, for runs pending, running, completed, failed, cancelled. */
const MATRIX: Record<string, string[]> = {
  run_created: [CONFLICT, CONFLICT, CONFLICT, CONFLICT, CONFLICT],
  run_started: [ACCEPT, ACCEPT, EXPIRED, EXPIRED, EXPIRED],
  run_completed: [ACCEPT, ACCEPT, CONFLICT, CONFLICT, CONFLICT],
  run_failed: [ACCEPT, ACCEPT, CONFLICT, CONFLICT, CONFLICT],
  run_cancelled: [ACCEPT, ACCEPT, CONFLICT, CONFLICT, ACCEPT],
  step_created: [ACCEPT, ACCEPT, CONFLICT, CONFLICT, CONFLICT],
  step_started: [ACCEPT, ACCEPT, EXPIRED, EXPIRED, EXPIRED],
  step_completed: [ACCEPT, ACCEPT, EXPIRED, EXPIRED, EXPIRED],
  step_failed: [ACCEPT, ACCEPT, EXPIRED, EXPIRED, EXPIRED],
  step_retrying: [ACCEPT, ACCEPT, EXPIRED, EXPIRED, EXPIRED],
  hook_created: [ACCEPT, ACCEPT, CONFLICT, CONFLICT, CONFLICT],
  hook_received: [ACCEPT, ACCEPT, HOOK_GONE, HOOK_GONE, HOOK_GONE],
  hook_disposed: [ACCEPT, ACCEPT, HOOK_GONE, HOOK_GONE, HOOK_GONE],
  wait_created: [ACCEPT, ACCEPT, CONFLICT, CONFLICT, CONFLICT],
  wait_completed: [ACCEPT, ACCEPT, NOT_FOUND, NOT_FOUND, NOT_FOUND],
};

describe('decide: event type × run status', () => {
  for (const [type, expected] of Object.entries(MATRIX)) {
    for (const [index, status] of STATUSES.entries()) {
      it(`${type} on a ${status} run: ${expected[index]}`, () => {
        expect(outcome(run(type, status))).toBe(expected[index]);
      });
    }
  }

  for (const type of Object.keys(MATRIX)) {
    const expected = type === 'run_created' ? ACCEPT : 'WorkflowRunNotFoundError/404';
    it(`${type} for a run that does not exist: ${expected}`, () => {
      expect(outcome(run(type, undefined))).toBe(expected);
    });
  }
});

describe('decide: entity writes', () => {
  const accepted = (plan: EventPlan) => acceptedOrThrow(plan) as Acceptance;

  it('run_created creates a pending run and logs its input', () => {
    const plan = accepted(run('run_created', undefined));
    expect(plan.writes).toEqual([
      {
        entity: 'run',
        op: 'create',
        run: {
          runId: RUN_ID,
          deploymentId: 'dpl',
          workflowName: 'wf',
          input: bytes('in'),
          executionContext: undefined,
          specVersion: SPEC_VERSION_CURRENT,
          status: 'pending',
          createdAt: NOW,
        },
      },
    ]);
    expect(plan.events.map((event) => event.eventType)).toEqual(['run_created']);
    expect(plan.respond).toMatchObject({ entity: 'run', preloadEvents: false });
  });

  it('run_started starts a pending run and preloads the log', () => {
    const plan = accepted(run('run_started', 'pending'));
    expect(plan.writes).toEqual([
      {
        entity: 'run',
        op: 'update',
        update: { status: 'running', startedAt: NOW, updatedAt: NOW, releaseHooksAndWaits: false },
      },
    ]);
    expect(plan.respond).toMatchObject({ entity: 'run', preloadEvents: true });
  });

  it('run_started on a running run writes nothing and returns the run (rule 2)', () => {
    const plan = accepted(run('run_started', 'running'));
    expect(plan.events).toEqual([]);
    expect(plan.writes).toEqual([]);
    expect(plan.respond.entity).toBe('run');
  });

  it('run endings set status and completedAt and release hooks and waits', () => {
    const completed = accepted(run('run_completed', 'running'));
    expect(completed.writes[0]).toMatchObject({
      update: { status: 'completed', output: bytes('out'), completedAt: NOW },
    });
    const failed = accepted(run('run_failed', 'running'));
    expect(failed.writes[0]).toMatchObject({
      update: { status: 'failed', error: { message: 'boom' }, releaseHooksAndWaits: true },
    });
    const cancelled = accepted(run('run_cancelled', 'pending'));
    expect(cancelled.writes[0]).toMatchObject({
      update: { status: 'cancelled', releaseHooksAndWaits: true },
    });
  });

  it('run_cancelled on a cancelled run logs the event and changes nothing', () => {
    const plan = accepted(run('run_cancelled', 'cancelled'));
    expect(plan.events.map((event) => event.eventType)).toEqual(['run_cancelled']);
    expect(plan.writes).toEqual([]);
  });

  it('run_failed keeps an error code', () => {
    const plan = accepted(
      decide(factsFor('run_failed', 'running'), {
        runId: RUN_ID,
        event: {
          eventType: 'run_failed',
          eventData: { error: 'x', errorCode: 'E1' },
        } as AnyEventRequest,
      }),
    );
    expect(plan.writes[0]).toMatchObject({ update: { error: { message: 'x', code: 'E1' } } });
  });

  it('step_created creates a pending step', () => {
    const plan = accepted(run('step_created', 'running'));
    expect(plan.writes).toEqual([
      {
        entity: 'step',
        op: 'create',
        step: {
          stepId: 'step_1',
          stepName: 'add',
          input: bytes('step-in'),
          specVersion: SPEC_VERSION_CURRENT,
          createdAt: NOW,
        },
      },
    ]);
    expect(plan.respond.entity).toBe('step');
  });

  it('step_started counts the attempt, keeps the first startedAt and clears retryAfter', () => {
    const first = accepted(run('step_started', 'running'));
    expect(first.writes[0]).toEqual({
      entity: 'step',
      op: 'update',
      stepId: 'step_1',
      update: { status: 'running', attempt: 1, startedAt: NOW, retryAfter: null, updatedAt: NOW },
    });
    const earlier = new Date(NOW.getTime() - 1000);
    const second = accepted(
      run('step_started', 'running', {
        step: { status: 'pending', attempt: 1, startedAt: earlier, retryAfter: earlier },
      }),
    );
    expect(second.writes[0]).toMatchObject({ update: { attempt: 2, startedAt: earlier } });
  });

  it('step results end the step; step_retrying makes it pending with retryAfter', () => {
    expect(accepted(run('step_completed', 'running')).writes[0]).toMatchObject({
      update: { status: 'completed', output: bytes('r'), completedAt: NOW },
    });
    expect(accepted(run('step_failed', 'running')).writes[0]).toMatchObject({
      update: { status: 'failed', error: { message: 'bad', stack: 'at x' }, completedAt: NOW },
    });
    expect(accepted(run('step_retrying', 'running')).writes[0]).toMatchObject({
      update: {
        status: 'pending',
        error: { message: 'again' },
        retryAfter: new Date(NOW.getTime() + 5000),
      },
    });
  });

  it('hook_created creates the hook; hook_disposed deletes it; hook_received is logged only', () => {
    expect(accepted(run('hook_created', 'running')).writes).toEqual([
      {
        entity: 'hook',
        op: 'create',
        hook: {
          hookId: 'hook_1',
          token: 'tok',
          metadata: bytes('m'),
          isWebhook: false,
          specVersion: SPEC_VERSION_CURRENT,
          createdAt: NOW,
        },
      },
    ]);
    expect(accepted(run('hook_disposed', 'running')).writes).toEqual([
      { entity: 'hook', op: 'delete', hookId: 'hook_1', token: 'tok' },
    ]);
    const received = accepted(run('hook_received', 'running'));
    expect(received.writes).toEqual([]);
    expect(received.respond.entity).toBeUndefined();
  });

  it('wait_created creates a waiting wait; wait_completed completes it', () => {
    expect(accepted(run('wait_created', 'running')).writes).toEqual([
      {
        entity: 'wait',
        op: 'create',
        wait: {
          waitId: 'wait_1',
          resumeAt: new Date(NOW.getTime() + 60_000),
          specVersion: SPEC_VERSION_CURRENT,
          createdAt: NOW,
        },
      },
    ]);
    expect(accepted(run('wait_completed', 'running')).writes).toEqual([
      { entity: 'wait', op: 'complete', waitId: 'wait_1', completedAt: NOW },
    ]);
  });

  it('events carry the request, the spec version, occurredAt and no run_started input', () => {
    const occurredAt = new Date(NOW.getTime() - 10);
    const plan = accepted(
      decide(factsFor('step_completed', 'running'), {
        runId: RUN_ID,
        event: requests.step_completed,
        params: { occurredAt },
      }),
    );
    expect(plan.events).toEqual([
      {
        eventType: 'step_completed',
        correlationId: 'step_1',
        eventData: { result: bytes('r') },
        specVersion: SPEC_VERSION_CURRENT,
        occurredAt,
        external: true,
      },
    ]);
  });
});

describe('decide: guards', () => {
  it('duplicates of creations conflict (rule 2)', () => {
    expect(
      outcome(run('step_created', 'running', { step: { status: 'pending', attempt: 0 } })),
    ).toBe(CONFLICT);
    expect(outcome(run('wait_created', 'running', { wait: { status: 'waiting' } }))).toBe(CONFLICT);
    expect(outcome(run('hook_created', 'running', { hook: { runId: RUN_ID, token: 'x' } }))).toBe(
      CONFLICT,
    );
    expect(outcome(run('hook_created', 'running', { hookIdUsed: true }))).toBe(CONFLICT);
  });

  it('a step must exist and not be terminal', () => {
    for (const type of ['step_started', 'step_completed', 'step_failed', 'step_retrying']) {
      expect(outcome(run(type, 'running', { step: undefined }))).toBe(NOT_FOUND);
      for (const status of ['completed', 'failed', 'cancelled'] as const) {
        expect(outcome(run(type, 'running', { step: { status, attempt: 1 } }))).toBe(CONFLICT);
      }
    }
  });

  it('a run that ended still collects the result of a running step', () => {
    const running = { step: { status: 'running' as const, attempt: 1 } };
    expect(outcome(run('step_completed', 'completed', running))).toBe(ACCEPT);
    expect(outcome(run('step_failed', 'cancelled', running))).toBe(ACCEPT);
  });

  it('step_started before retryAfter is too early, with the seconds left', () => {
    const plan = run('step_started', 'running', {
      step: { status: 'pending', attempt: 1, retryAfter: new Date(NOW.getTime() + 2500) },
    }) as Rejection;
    expect(outcome(plan)).toBe('TooEarlyError/425');
    expect(plan.retryAfter).toBe(3);
    const error = rejectionError(plan);
    expect(TooEarlyError.is(error)).toBe(true);
    expect((error as TooEarlyError).retryAfter).toBe(3);
  });

  it('a token held by another live hook gives a hook_conflict event and no hook (rule 4)', () => {
    const plan = run('hook_created', 'running', {
      tokenHolder: { runId: 'wrun_other', hookId: 'hook_9' },
    }) as Acceptance;
    expect(plan.kind).toBe('accept');
    expect(plan.writes).toEqual([]);
    expect(plan.events).toEqual([
      {
        eventType: 'hook_conflict',
        correlationId: 'hook_1',
        eventData: { token: 'tok', conflictingRunId: 'wrun_other' },
        specVersion: SPEC_VERSION_CURRENT,
        external: false,
      },
    ]);
    expect(plan.respond.entity).toBeUndefined();
  });

  it('a hook of another run, or none, is not found', () => {
    for (const type of ['hook_received', 'hook_disposed']) {
      expect(outcome(run(type, 'running', { hook: undefined }))).toBe(HOOK_GONE);
      expect(outcome(run(type, 'running', { hook: { runId: 'wrun_other', token: 't' } }))).toBe(
        HOOK_GONE,
      );
    }
  });

  it('a wait completes once', () => {
    expect(outcome(run('wait_completed', 'running', { wait: { status: 'completed' } }))).toBe(
      CONFLICT,
    );
    expect(outcome(run('wait_completed', 'running', { wait: undefined }))).toBe(NOT_FOUND);
  });

  it('a stale stateUpdatedAt is refused with 412 before anything else', () => {
    const facts = factsFor('run_completed', 'completed');
    facts.run!.externalUpdateAt = 2000;
    const stale = decide(facts, {
      runId: RUN_ID,
      event: requests.run_completed,
      params: { stateUpdatedAt: 1999 },
    });
    expect(outcome(stale)).toBe('PreconditionFailedError/412');
    expect(PreconditionFailedError.is(rejectionError(stale as Rejection))).toBe(true);
    const fresh = decide(factsFor('run_completed', 'running'), {
      runId: RUN_ID,
      event: requests.run_completed,
      params: { stateUpdatedAt: 1999 },
    });
    expect(outcome(fresh)).toBe(ACCEPT);
  });

  it('a replay write does not move the marker; an external result does', () => {
    const replayed = acceptedOrThrow(
      decide(factsFor('step_completed', 'running'), {
        runId: RUN_ID,
        event: requests.step_completed,
        params: { stateUpdatedAt: 5 },
      }),
    ) as Acceptance;
    expect(replayed.events[0]?.external).toBe(false);
  });

  it('a run from a newer spec is not supported (rule 6)', () => {
    const plan = run('run_completed', 'running', {
      run: { status: 'running', specVersion: SPEC_VERSION_CURRENT + 1 },
    });
    expect(outcome(plan)).toBe('RunNotSupportedError/400');
    expect(RunNotSupportedError.is(rejectionError(plan as Rejection))).toBe(true);
  });

  it('run ids: required except for run_created, and well-formed when given', () => {
    const missing = decide(factsFor('run_started', 'running'), {
      runId: null,
      event: requests.run_started,
    });
    expect(outcome(missing)).toBe('WorkflowWorldError/400');
    const malformed = decide(factsFor('run_created', undefined), {
      runId: 'wrun_nope',
      event: requests.run_created,
    });
    expect(outcome(malformed)).toBe('WorkflowWorldError/400');
    const generated = decide(factsFor('run_created', undefined), {
      runId: null,
      event: requests.run_created,
    });
    expect(generated).toMatchObject({ kind: 'accept', runId: RUN_ID });
  });
});

describe('decide: resilient start (rule 5)', () => {
  const carrying = {
    eventType: 'run_started',
    eventData: { deploymentId: 'dpl', workflowName: 'wf', input: bytes('in') },
  } as unknown as AnyEventRequest;

  it('creates the run already running with run_created then run_started', () => {
    const plan = acceptedOrThrow(
      decide({ now: NOW, runId: RUN_ID }, { runId: RUN_ID, event: carrying }),
    ) as Acceptance;
    expect(plan.events.map((event) => event.eventType)).toEqual(['run_created', 'run_started']);
    expect(plan.events[0]?.eventData).toEqual({
      deploymentId: 'dpl',
      workflowName: 'wf',
      input: bytes('in'),
      executionContext: undefined,
    });
    expect(plan.events[1]?.eventData).toBeUndefined();
    expect(plan.writes).toEqual([
      {
        entity: 'run',
        op: 'create',
        run: expect.objectContaining({ status: 'running', startedAt: NOW, runId: RUN_ID }),
      },
    ]);
    expect(plan.respond).toMatchObject({ entity: 'run', preloadEvents: true });
  });

  it('refuses a newer spec version, and a start without input is not found', () => {
    const newer = { ...carrying, specVersion: SPEC_VERSION_CURRENT + 1 } as AnyEventRequest;
    expect(outcome(decide({ now: NOW, runId: RUN_ID }, { runId: RUN_ID, event: newer }))).toBe(
      'RunNotSupportedError/400',
    );
    expect(outcome(run('run_started', undefined))).toBe('WorkflowRunNotFoundError/404');
  });

  it('on an existing run it just starts it (no second run_created)', () => {
    const plan = acceptedOrThrow(
      decide(factsFor('run_started', 'pending'), { runId: RUN_ID, event: carrying }),
    ) as Acceptance;
    expect(plan.events).toEqual([
      { eventType: 'run_started', specVersion: SPEC_VERSION_CURRENT, external: false },
    ]);
  });
});

describe('decide: legacy (spec 1) runs', () => {
  const legacy = { run: { status: 'running' as const, specVersion: undefined } };

  it('run_cancelled cancels the run without an event', () => {
    const plan = run('run_cancelled', 'running', legacy) as Acceptance;
    expect(plan.events).toEqual([]);
    expect(plan.writes).toEqual([
      {
        entity: 'run',
        op: 'update',
        update: {
          status: 'cancelled',
          completedAt: NOW,
          updatedAt: NOW,
          releaseHooksAndWaits: true,
        },
      },
    ]);
    expect(plan.respond.entity).toBe('run');
  });

  it('wait_completed and hook_received are logged only, at the current spec version', () => {
    for (const type of ['wait_completed', 'hook_received']) {
      const plan = run(type, 'running', { ...legacy, wait: undefined, hook: undefined });
      expect(plan).toMatchObject({ kind: 'accept', writes: [] });
      expect((plan as Acceptance).events[0]?.specVersion).toBe(SPEC_VERSION_CURRENT);
    }
  });

  it('anything else is refused with 400', () => {
    for (const type of Object.keys(MATRIX)) {
      if (['run_created', 'run_cancelled', 'wait_completed', 'hook_received'].includes(type))
        continue;
      const plan = run(type, 'running', { run: { status: 'running', specVersion: 1 } });
      expect(outcome(plan), type).toBe('WorkflowWorldError/400');
      expect((plan as Rejection).message).toMatch(/not supported for legacy runs/);
    }
  });
});

describe('decide: results', () => {
  afterEach(() => {
    delete process.env.WORKFLOW_MAX_EVENTS;
  });

  it('results carrying the run report maxEvents from getMaxEventsPerRun', () => {
    expect((run('run_started', 'pending') as Acceptance).respond.maxEvents).toBe(25_000);
    process.env.WORKFLOW_MAX_EVENTS = '42';
    expect((run('run_completed', 'running') as Acceptance).respond.maxEvents).toBe(42);
    expect((run('step_created', 'running') as Acceptance).respond.maxEvents).toBeUndefined();
  });

  it('resolveData passes through', () => {
    const plan = decide(factsFor('step_created', 'running'), {
      runId: RUN_ID,
      event: requests.step_created,
      params: { resolveData: 'none' },
    });
    expect((plan as Acceptance).respond.resolveData).toBe('none');
  });
});

describe('rejectionError', () => {
  it('raises the @workflow/errors class with the refusal status', () => {
    const cases: Array<[EventPlan, { is(value: unknown): boolean }, number | undefined]> = [
      [run('run_created', 'running'), EntityConflictError, 409],
      [run('run_started', 'completed'), RunExpiredError, 410],
      [run('wait_completed', 'running', { wait: undefined }), WorkflowWorldError, 404],
      [run('hook_disposed', 'running', { hook: undefined }), HookNotFoundError, 404],
      [run('run_completed', undefined), WorkflowRunNotFoundError, 404],
    ];
    for (const [plan, errorClass, status] of cases) {
      const error = rejectionError(plan as Rejection);
      expect(errorClass.is(error)).toBe(true);
      if (status !== undefined) expect((error as WorkflowWorldError).status).toBe(status);
    }
  });
});
