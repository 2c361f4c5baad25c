import {
  getMaxEventsPerRun,
  isLegacySpecVersion,
  isTerminalStepStatus,
  isTerminalWorkflowRunStatus,
  requiresNewerWorld,
  SPEC_VERSION_CURRENT,
  validateUlidTimestamp,
} from '@workflow/world';
import type { AnyEventRequest, EventFacts, EventRequest, RunFacts } from './facts.js';
import type { Acceptance, EntityWrite, EventPlan, PlannedEvent, Rejection } from './plan.js';
import {
  conflict,
  hookNotFound,
  invalid,
  notFound,
  preconditionFailed,
  runExpired,
  runNotFound,
  runNotSupported,
  tooEarly,
} from './rejections.js';

type Request<T extends AnyEventRequest['eventType']> = Extract<AnyEventRequest, { eventType: T }>;

const RUN_TRANSITIONS = new Set(['run_started', 'run_completed', 'run_failed', 'run_cancelled']);
const STEP_UPDATES = new Set(['step_started', 'step_completed', 'step_failed', 'step_retrying']);
const ENTITY_CREATIONS = new Set(['step_created', 'hook_created', 'wait_created']);

/** One decision's inputs, shared by the helpers below. */
interface Context {
  facts: EventFacts;
  request: EventRequest;
  runId: string;
  specVersion: number;
  now: Date;
  resolveData: 'all' | 'none';
}

/**
 * The storage state machine (docs/contract.md, storage rules 1–6): what `events.create` does
 * for an event given the state it targets. Pure: the backend loads `facts` under its lock and
 * applies the returned plan in one atomic write, or raises `rejectionError(plan)`.
 */
export function decide(facts: EventFacts, request: EventRequest): EventPlan {
  const event = request.event;
  const context: Context = {
    facts,
    request,
    runId: facts.runId,
    specVersion: event.specVersion ?? SPEC_VERSION_CURRENT,
    now: facts.now,
    resolveData: request.params?.resolveData ?? 'all',
  };
  if (event.eventType === 'run_created') return decideRunCreated(context, event);
  if (!request.runId) return invalid(`runId is required for ${event.eventType} events`);
  const run = facts.run;
  if (!run) {
    if (event.eventType === 'run_started') {
      const started = decideResilientStart(context, event);
      if (started) return started;
    }
    return runNotFound(context.runId);
  }
  if (requiresNewerWorld(run.specVersion)) return runNotSupported(run.specVersion as number);
  if (isLegacySpecVersion(run.specVersion)) return decideLegacy(context, run, event);
  // Before anything else: a stale replay's write is refused whatever it would have done.
  const stale = checkSnapshot(context, run);
  if (stale) return stale;
  return (
    checkTerminalRun(context, run, event) ??
    checkTarget(context, run, event) ??
    decideTransition(context, run, event)
  );
}

function decideRunCreated(context: Context, event: Request<'run_created'>): EventPlan {
  if (context.request.runId) {
    const problem = validateUlidTimestamp(context.request.runId, 'wrun_');
    if (problem) return invalid(problem);
  }
  if (context.facts.run) return conflict(`Workflow run "${context.runId}" already exists`);
  const { deploymentId, workflowName, input, executionContext } = event.eventData;
  return accept(
    context,
    [plannedEvent(context, event)],
    [
      {
        entity: 'run',
        op: 'create',
        run: {
          runId: context.runId,
          deploymentId,
          workflowName,
          input,
          executionContext,
          specVersion: context.specVersion,
          status: 'pending',
          createdAt: context.now,
        },
      },
    ],
    'run',
  );
}

/**
 * Storage rule 5: `run_started` for a run that does not exist yet, carrying the run's input
 * (sent when `run_created` failed during `start()`), creates the run already running, with its
 * `run_created` and `run_started` events, in one write.
 */
function decideResilientStart(
  context: Context,
  event: Request<'run_started'>,
): EventPlan | undefined {
  const carried = event.eventData;
  if (!carried?.deploymentId || !carried.workflowName || carried.input === undefined) {
    return undefined;
  }
  if (requiresNewerWorld(context.specVersion)) return runNotSupported(context.specVersion);
  const creation = {
    deploymentId: carried.deploymentId,
    workflowName: carried.workflowName,
    input: carried.input,
    executionContext: carried.executionContext,
  };
  return accept(
    context,
    [
      { ...plannedEvent(context, event), eventType: 'run_created', eventData: creation },
      plannedEvent(context, event),
    ],
    [
      {
        entity: 'run',
        op: 'create',
        run: {
          runId: context.runId,
          ...creation,
          specVersion: context.specVersion,
          status: 'running',
          createdAt: context.now,
          startedAt: context.now,
        },
      },
    ],
    'run',
    true,
  );
}

/**
 * Runs from before event sourcing (spec version 1) only accept what their old runtime sends:
 * cancellation (the run changes, no event is logged), and logged-only wait completions and
 * hook payloads.
 */
function decideLegacy(context: Context, run: RunFacts, event: AnyEventRequest): EventPlan {
  switch (event.eventType) {
    case 'run_cancelled':
      return accept(
        context,
        [],
        [
          {
            entity: 'run',
            op: 'update',
            update: {
              status: 'cancelled',
              completedAt: context.now,
              updatedAt: context.now,
              releaseHooksAndWaits: true,
            },
          },
        ],
        'run',
      );
    case 'wait_completed':
    case 'hook_received':
      return accept(
        context,
        [{ ...plannedEvent(context, event), specVersion: SPEC_VERSION_CURRENT }],
        [],
      );
    default:
      return invalid(
        `Event type '${event.eventType}' not supported for legacy runs ` +
          `(specVersion: ${run.specVersion ?? 'undefined'}). Please upgrade 'workflow' package.`,
      );
  }
}

function checkSnapshot(context: Context, run: RunFacts): Rejection | undefined {
  const snapshot = context.request.params?.stateUpdatedAt;
  const marker = run.externalUpdateAt;
  if (snapshot === undefined || !marker || snapshot >= marker) return undefined;
  return preconditionFailed(
    `Run "${context.runId}" changed at ${marker}, after the snapshot this write was based on ` +
      `(${snapshot}); reload the event log and retry`,
  );
}

/** Storage rule 3, for the run: nothing leaves a terminal run, nothing new is created on it. */
function checkTerminalRun(
  context: Context,
  run: RunFacts,
  event: AnyEventRequest,
): Rejection | undefined {
  if (!isTerminalWorkflowRunStatus(run.status)) return undefined;
  if (event.eventType === 'run_started') {
    return runExpired(
      `Workflow run "${context.runId}" is already in terminal state "${run.status}"`,
    );
  }
  const cancelAgain = event.eventType === 'run_cancelled' && run.status === 'cancelled';
  if (RUN_TRANSITIONS.has(event.eventType) && !cancelAgain) {
    return conflict(`Cannot transition run from terminal state "${run.status}"`);
  }
  if (ENTITY_CREATIONS.has(event.eventType)) {
    return conflict(`Cannot create new entities on run in terminal state "${run.status}"`);
  }
  return undefined;
}

/** The step, hook or wait the event targets must exist, in the right state. */
function checkTarget(
  context: Context,
  run: RunFacts,
  event: AnyEventRequest,
): Rejection | undefined {
  const { facts } = context;
  const runEnded = isTerminalWorkflowRunStatus(run.status);
  const id = 'correlationId' in event ? (event.correlationId as string) : '';
  if (STEP_UPDATES.has(event.eventType)) {
    const step = facts.step;
    if (!step) return notFound(`Step "${id}" not found`);
    if (isTerminalStepStatus(step.status)) {
      return conflict(`Cannot modify step in terminal state "${step.status}"`);
    }
    // A run that ended may still collect the result of a step that was already running.
    if (runEnded && step.status !== 'running') {
      return runExpired(`Cannot modify non-running step on run in terminal state "${run.status}"`);
    }
    if (event.eventType === 'step_started' && step.retryAfter) {
      const waitMs = step.retryAfter.getTime() - context.now.getTime();
      if (waitMs > 0) {
        return tooEarly(
          `Cannot start step "${id}": retryAfter timestamp has not been reached yet`,
          Math.ceil(waitMs / 1000),
        );
      }
    }
  }
  // A run's hooks and waits end with it, whatever items a backend has yet to delete.
  if (event.eventType === 'hook_received' || event.eventType === 'hook_disposed') {
    // A disposed hook is gone, so a payload can never land after its hook_disposed (rule 4).
    if (!facts.hook || facts.hook.runId !== context.runId || runEnded) {
      return hookNotFound(id);
    }
  }
  if (event.eventType === 'wait_completed') {
    if (!facts.wait || runEnded) return notFound(`Wait "${id}" not found`);
    if (facts.wait.status === 'completed') return conflict(`Wait "${id}" already completed`);
  }
  if (event.eventType === 'step_created' && facts.step) {
    return conflict(`Step "${id}" already exists`);
  }
  if (event.eventType === 'hook_created' && (facts.hook || facts.hookIdUsed)) {
    return conflict(`Hook "${id}" already exists`);
  }
  if (event.eventType === 'wait_created' && facts.wait) {
    return conflict(`Wait "${id}" already exists`);
  }
  return undefined;
}

/** The event is admissible: the entity change it makes (storage rule 1). */
function decideTransition(context: Context, run: RunFacts, event: AnyEventRequest): EventPlan {
  const { now } = context;
  const logged = [plannedEvent(context, event)];
  switch (event.eventType) {
    case 'run_started':
      // Concurrent deliveries may both start the run; the second one just reads it (rule 2).
      if (run.status === 'running') return accept(context, [], [], 'run', true);
      return accept(
        context,
        logged,
        [runUpdate({ status: 'running', startedAt: now, updatedAt: now })],
        'run',
        true,
      );
    case 'run_completed':
      return accept(
        context,
        logged,
        [runEnding(context, { status: 'completed', output: event.eventData.output })],
        'run',
      );
    case 'run_failed':
      return accept(
        context,
        logged,
        [
          runEnding(context, {
            status: 'failed',
            error: {
              ...structuredError(event.eventData.error),
              ...(event.eventData.errorCode ? { code: event.eventData.errorCode } : {}),
            },
          }),
        ],
        'run',
      );
    case 'run_cancelled':
      // Cancelling twice is accepted (rule 2): the log records the request, the run stays.
      if (run.status === 'cancelled') return accept(context, logged, [], 'run');
      return accept(context, logged, [runEnding(context, { status: 'cancelled' })], 'run');
    case 'step_created':
      return accept(
        context,
        logged,
        [
          {
            entity: 'step',
            op: 'create',
            step: {
              stepId: event.correlationId,
              stepName: event.eventData.stepName,
              input: event.eventData.input,
              specVersion: context.specVersion,
              createdAt: now,
            },
          },
        ],
        'step',
      );
    case 'step_started': {
      const step = context.facts.step!;
      return accept(
        context,
        logged,
        [
          stepUpdate(event.correlationId, {
            status: 'running',
            attempt: step.attempt + 1,
            startedAt: step.startedAt ?? now,
            retryAfter: null,
            updatedAt: now,
          }),
        ],
        'step',
      );
    }
    case 'step_completed':
      return accept(
        context,
        logged,
        [
          stepUpdate(event.correlationId, {
            status: 'completed',
            output: event.eventData.result,
            completedAt: now,
            updatedAt: now,
          }),
        ],
        'step',
      );
    case 'step_failed':
      return accept(
        context,
        logged,
        [
          stepUpdate(event.correlationId, {
            status: 'failed',
            error: structuredError(event.eventData.error, event.eventData.stack),
            completedAt: now,
            updatedAt: now,
          }),
        ],
        'step',
      );
    case 'step_retrying':
      return accept(
        context,
        logged,
        [
          stepUpdate(event.correlationId, {
            status: 'pending',
            error: structuredError(event.eventData.error, event.eventData.stack),
            retryAfter: event.eventData.retryAfter ? toDate(event.eventData.retryAfter) : null,
            updatedAt: now,
          }),
        ],
        'step',
      );
    case 'hook_created':
      return decideHookCreated(context, event);
    case 'hook_received':
      return accept(context, logged, []);
    case 'hook_disposed':
      return accept(context, logged, [
        {
          entity: 'hook',
          op: 'delete',
          hookId: event.correlationId,
          token: context.facts.hook!.token,
        },
      ]);
    case 'wait_created':
      return accept(
        context,
        logged,
        [
          {
            entity: 'wait',
            op: 'create',
            wait: {
              waitId: event.correlationId,
              resumeAt: toDate(event.eventData.resumeAt),
              specVersion: context.specVersion,
              createdAt: now,
            },
          },
        ],
        'wait',
      );
    case 'wait_completed':
      return accept(
        context,
        logged,
        [{ entity: 'wait', op: 'complete', waitId: event.correlationId, completedAt: now }],
        'wait',
      );
    default:
      return invalid(`Unsupported event type "${(event as { eventType: string }).eventType}"`);
  }
}

/**
 * Storage rule 4: a token held by another live hook is not an error; the claimant gets a
 * `hook_conflict` event and no hook.
 */
function decideHookCreated(context: Context, event: Request<'hook_created'>): EventPlan {
  const { token, metadata, isWebhook } = event.eventData;
  const holder = context.facts.tokenHolder;
  if (holder) {
    return accept(context, [
      {
        ...plannedEvent(context, event),
        eventType: 'hook_conflict',
        eventData: { token, conflictingRunId: holder.runId },
      },
    ]);
  }
  return accept(
    context,
    [plannedEvent(context, event)],
    [
      {
        entity: 'hook',
        op: 'create',
        hook: {
          hookId: event.correlationId,
          token,
          metadata,
          isWebhook: isWebhook ?? false,
          specVersion: context.specVersion,
          createdAt: context.now,
        },
      },
    ],
    'hook',
  );
}

function runUpdate(
  update: Omit<
    Extract<EntityWrite, { op: 'update'; entity: 'run' }>['update'],
    'releaseHooksAndWaits'
  >,
): EntityWrite {
  return { entity: 'run', op: 'update', update: { ...update, releaseHooksAndWaits: false } };
}

/** A run ending sets its status and `completedAt`, and releases its hooks and waits. */
function runEnding(
  context: Context,
  ending:
    | { status: 'completed'; output: unknown }
    | { status: 'failed'; error: { message: string; stack?: string; code?: string } }
    | { status: 'cancelled' },
): EntityWrite {
  return {
    entity: 'run',
    op: 'update',
    update: {
      ...ending,
      completedAt: context.now,
      updatedAt: context.now,
      releaseHooksAndWaits: true,
    },
  };
}

function stepUpdate(
  stepId: string,
  update: Extract<EntityWrite, { op: 'update'; entity: 'step' }>['update'],
): EntityWrite {
  return { entity: 'step', op: 'update', stepId, update };
}

function plannedEvent(context: Context, event: AnyEventRequest): PlannedEvent {
  const occurredAt = context.request.params?.occurredAt;
  const planned: PlannedEvent = {
    eventType: event.eventType,
    specVersion: context.specVersion,
    external:
      (event.eventType === 'step_completed' || event.eventType === 'hook_received') &&
      context.request.params?.stateUpdatedAt === undefined,
  };
  if ('correlationId' in event && event.correlationId !== undefined) {
    planned.correlationId = event.correlationId;
  }
  // The run's input belongs on run_created; run_started only marks the transition.
  if ('eventData' in event && event.eventData !== undefined && event.eventType !== 'run_started') {
    planned.eventData = event.eventData;
  }
  if (occurredAt) planned.occurredAt = new Date(occurredAt.getTime());
  return planned;
}

function accept(
  context: Context,
  events: PlannedEvent[],
  writes: EntityWrite[] = [],
  entity?: 'run' | 'step' | 'hook' | 'wait',
  preloadEvents = false,
): Acceptance {
  return {
    kind: 'accept',
    runId: context.runId,
    events,
    writes,
    respond: {
      ...(entity ? { entity } : {}),
      preloadEvents,
      ...(entity === 'run' ? { maxEvents: getMaxEventsPerRun() } : {}),
      resolveData: context.resolveData,
    },
  };
}

/** Errors arrive as strings or error-like objects; entities always get `{ message, stack }`. */
export function structuredError(
  error: unknown,
  stack?: string,
): { message: string; stack?: string } {
  const source = (typeof error === 'object' && error !== null ? error : {}) as {
    message?: unknown;
    stack?: unknown;
  };
  const message =
    typeof error === 'string'
      ? error
      : typeof source.message === 'string'
        ? source.message
        : 'Unknown error';
  const resolvedStack = stack ?? (typeof source.stack === 'string' ? source.stack : undefined);
  return resolvedStack === undefined ? { message } : { message, stack: resolvedStack };
}

function toDate(value: Date | string | number): Date {
  return value instanceof Date ? value : new Date(value);
}
