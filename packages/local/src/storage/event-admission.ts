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
import {
  type AnyEventRequest,
  type CreateEventParams,
  type Event,
  type EventResult,
  isLegacySpecVersion,
  isTerminalStepStatus,
  isTerminalWorkflowRunStatus,
  requiresNewerWorld,
  SPEC_VERSION_CURRENT,
  validateUlidTimestamp,
} from '@workflow/world';
import type { JournalEntry } from './apply-entry.js';
import { presentEvent, presentHook, presentRun, presentStep, presentWait } from './copies.js';
import { MAX_PAGE_SIZE, readPage } from './pagination.js';
import type { RunRecord, StorageState } from './storage-state.js';

/** Ids and time for one write, supplied by the caller so admission itself stays pure. */
export interface WriteContext {
  now: Date;
  newEventId(): string;
  newRunId(): string;
}

/**
 * What `events.create` will do: the entries to apply and journal (possibly none), and how to
 * answer the caller once they are applied. Deciding never mutates state, so a rejected write
 * leaves everything as it was.
 */
export interface Admission {
  entries: JournalEntry[];
  respond(state: StorageState): EventResult;
}

const RUN_TRANSITIONS = new Set(['run_started', 'run_completed', 'run_failed', 'run_cancelled']);
const STEP_UPDATES = new Set(['step_started', 'step_completed', 'step_failed', 'step_retrying']);
const ENTITY_CREATIONS = new Set(['step_created', 'hook_created', 'wait_created']);

export function admitEvent(
  state: StorageState,
  runId: string | null,
  request: AnyEventRequest,
  params: CreateEventParams,
  context: WriteContext,
): Admission {
  const specVersion = request.specVersion ?? SPEC_VERSION_CURRENT;
  if (request.eventType === 'run_created') {
    return admitRunCreated(state, runId, request, params, context, specVersion);
  }
  if (!runId) {
    throw new WorkflowWorldError(`runId is required for ${request.eventType}`, { status: 400 });
  }
  const record = state.runs.get(runId);
  if (!record) {
    if (request.eventType === 'run_started') {
      const started = admitResilientStart(runId, request, params, context, specVersion);
      if (started) return started;
    }
    throw new WorkflowRunNotFoundError(runId);
  }
  const run = record.run;
  if (requiresNewerWorld(run.specVersion)) {
    throw new RunNotSupportedError(run.specVersion as number, SPEC_VERSION_CURRENT);
  }
  if (isLegacySpecVersion(run.specVersion)) {
    return admitLegacyRunEvent(record, request, params, context);
  }
  const correlationId = 'correlationId' in request ? request.correlationId : undefined;
  const runEnded = isTerminalWorkflowRunStatus(run.status);
  if (runEnded) {
    if (request.eventType === 'run_started') {
      throw new RunExpiredError(
        `Workflow run "${runId}" is already in terminal state "${run.status}"`,
      );
    }
    const cancelAgain = request.eventType === 'run_cancelled' && run.status === 'cancelled';
    if (RUN_TRANSITIONS.has(request.eventType) && !cancelAgain) {
      throw new EntityConflictError(`Cannot transition run from terminal state "${run.status}"`);
    }
    if (ENTITY_CREATIONS.has(request.eventType)) {
      throw new EntityConflictError(
        `Cannot create new entities on run in terminal state "${run.status}"`,
      );
    }
  }
  if (STEP_UPDATES.has(request.eventType)) {
    checkStepUpdate(record, request, correlationId!, runEnded, context.now);
  }
  if (request.eventType === 'hook_received' || request.eventType === 'hook_disposed') {
    const hook = state.hooks.get(correlationId!);
    // A disposed hook is gone, so a payload can never land after its hook_disposed.
    if (!hook || hook.runId !== runId) throw new HookNotFoundError(correlationId!);
  }
  if (params.stateUpdatedAt !== undefined && params.stateUpdatedAt < record.externalUpdateAt) {
    throw new PreconditionFailedError(
      `Run "${runId}" changed at ${record.externalUpdateAt}, after the snapshot this write ` +
        `was based on (${params.stateUpdatedAt}); reload the event log and retry`,
    );
  }

  switch (request.eventType) {
    case 'run_started':
      // Concurrent deliveries may both start the run; the second one just reads it.
      if (run.status === 'running') return { entries: [], respond: () => runResult(record) };
      break;
    case 'step_created':
      if (record.steps.has(correlationId!)) {
        throw new EntityConflictError(`Step "${correlationId}" already exists`);
      }
      break;
    case 'hook_created': {
      if (record.createdHookIds.has(correlationId!) || state.hooks.has(correlationId!)) {
        throw new EntityConflictError(`Hook "${correlationId}" already created`);
      }
      const holder = state.hookByToken(request.eventData.token);
      if (holder) return admitHookConflict(runId, request, context, specVersion, holder.runId);
      break;
    }
    case 'wait_created':
      if (record.waits.has(correlationId!)) {
        throw new EntityConflictError(`Wait "${correlationId}" already exists`);
      }
      break;
    case 'wait_completed': {
      const wait = record.waits.get(correlationId!);
      if (!wait) {
        throw new WorkflowWorldError(`Wait "${correlationId}" not found`, { status: 404 });
      }
      if (wait.status === 'completed') {
        throw new EntityConflictError(`Wait "${correlationId}" already completed`);
      }
      break;
    }
  }

  const event = newEvent(runId, request, params, context, specVersion);
  const external =
    (request.eventType === 'step_completed' || request.eventType === 'hook_received') &&
    params.stateUpdatedAt === undefined;
  return {
    entries: [external ? { kind: 'event', event, external } : { kind: 'event', event }],
    respond: (current) => resultFor(current, event, params),
  };
}

function checkStepUpdate(
  record: RunRecord,
  request: AnyEventRequest,
  stepId: string,
  runEnded: boolean,
  now: Date,
): void {
  const step = record.steps.get(stepId);
  if (!step) throw new WorkflowWorldError(`Step "${stepId}" not found`, { status: 404 });
  if (isTerminalStepStatus(step.status)) {
    throw new EntityConflictError(`Cannot modify step in terminal state "${step.status}"`);
  }
  // A run that ended may still collect the result of a step that was already running.
  if (runEnded && step.status !== 'running') {
    throw new RunExpiredError(
      `Cannot modify non-running step on run in terminal state "${record.run.status}"`,
    );
  }
  if (request.eventType === 'step_started' && step.retryAfter) {
    const waitMs = step.retryAfter.getTime() - now.getTime();
    if (waitMs > 0) {
      throw new TooEarlyError(
        `Cannot start step "${stepId}": retryAfter timestamp has not been reached yet`,
        { retryAfter: Math.ceil(waitMs / 1000) },
      );
    }
  }
}

function admitRunCreated(
  state: StorageState,
  runId: string | null,
  request: AnyEventRequest & { eventType: 'run_created' },
  params: CreateEventParams,
  context: WriteContext,
  specVersion: number,
): Admission {
  if (runId) {
    const problem = validateUlidTimestamp(runId, 'wrun_');
    if (problem) throw new WorkflowWorldError(problem, { status: 400 });
  }
  const effectiveRunId = runId || context.newRunId();
  if (state.runs.has(effectiveRunId)) {
    throw new EntityConflictError(`Workflow run "${effectiveRunId}" already exists`);
  }
  const event = newEvent(effectiveRunId, request, params, context, specVersion);
  return {
    entries: [{ kind: 'event', event }],
    respond: (current) => resultFor(current, event, params),
  };
}

/**
 * `run_started` for a run that does not exist yet, carrying the run's input (sent when
 * `run_created` failed during `start()`): create the run and start it in one write.
 */
function admitResilientStart(
  runId: string,
  request: AnyEventRequest & { eventType: 'run_started' },
  params: CreateEventParams,
  context: WriteContext,
  specVersion: number,
): Admission | undefined {
  const input = request.eventData;
  if (!input?.deploymentId || !input.workflowName || input.input === undefined) return undefined;
  if (requiresNewerWorld(specVersion)) {
    throw new RunNotSupportedError(specVersion, SPEC_VERSION_CURRENT);
  }
  const created = {
    eventType: 'run_created',
    runId,
    eventId: context.newEventId(),
    createdAt: context.now,
    specVersion,
    eventData: {
      deploymentId: input.deploymentId,
      workflowName: input.workflowName,
      input: input.input,
      executionContext: input.executionContext,
    },
  } as Event;
  const started = newEvent(runId, request, params, context, specVersion);
  return {
    entries: [
      { kind: 'event', event: created },
      { kind: 'event', event: started },
    ],
    respond: (current) => resultFor(current, started, params),
  };
}

function admitHookConflict(
  runId: string,
  request: AnyEventRequest & { eventType: 'hook_created' },
  context: WriteContext,
  specVersion: number,
  conflictingRunId: string,
): Admission {
  const event = {
    eventType: 'hook_conflict',
    correlationId: request.correlationId,
    eventData: { token: request.eventData.token, conflictingRunId },
    runId,
    eventId: context.newEventId(),
    createdAt: context.now,
    specVersion,
  } as Event;
  return {
    entries: [{ kind: 'event', event }],
    respond: () => ({ event: presentEvent(event, 'all') }),
  };
}

/**
 * Runs from before event sourcing (spec version 1) only accept what their old runtime sends:
 * cancellation (no event), and logged-only wait completions and hook payloads.
 */
function admitLegacyRunEvent(
  record: RunRecord,
  request: AnyEventRequest,
  params: CreateEventParams,
  context: WriteContext,
): Admission {
  const runId = record.run.runId;
  const resolveData = params.resolveData ?? 'all';
  switch (request.eventType) {
    case 'run_cancelled':
      return {
        entries: [{ kind: 'legacy-cancel', runId, at: context.now }],
        respond: () => ({
          event: undefined,
          run: presentRun(record.run, resolveData) as EventResult['run'],
        }),
      };
    case 'wait_completed':
    case 'hook_received': {
      const event = newEvent(runId, request, params, context, SPEC_VERSION_CURRENT);
      return {
        entries: [{ kind: 'event', event }],
        respond: () => ({ event: presentEvent(event, resolveData) }),
      };
    }
    default:
      throw new WorkflowWorldError(
        `Event type '${request.eventType}' not supported for legacy runs ` +
          `(specVersion: ${record.run.specVersion ?? 'undefined'}). Please upgrade 'workflow' package.`,
      );
  }
}

function newEvent(
  runId: string,
  request: AnyEventRequest,
  params: CreateEventParams,
  context: WriteContext,
  specVersion: number,
): Event {
  const event: Record<string, unknown> = {
    ...request,
    runId,
    eventId: context.newEventId(),
    createdAt: context.now,
    specVersion,
  };
  if (params.occurredAt) event.occurredAt = new Date(params.occurredAt.getTime());
  // The run's input belongs on run_created; run_started only marks the transition.
  if (request.eventType === 'run_started') delete event.eventData;
  return event as Event;
}

function resultFor(state: StorageState, event: Event, params: CreateEventParams): EventResult {
  const resolveData = params.resolveData ?? 'all';
  const record = state.runs.get(event.runId)!;
  const result: EventResult = { event: presentEvent(event, resolveData) };
  const type = event.eventType;
  if (type.startsWith('run_')) {
    Object.assign(result, runResult(record, resolveData));
    if (type === 'run_started') {
      // Hand the runtime the log it is about to replay, saving an events.list round trip.
      const page = readPage(record.events, { limit: MAX_PAGE_SIZE }, 'asc', (stored) =>
        presentEvent(stored, resolveData),
      );
      result.events = page.data;
      result.cursor = page.cursor;
      result.hasMore = page.hasMore;
    }
  } else if (type.startsWith('step_')) {
    const step = record.steps.get((event as { correlationId: string }).correlationId)!;
    result.step = presentStep(step, resolveData) as EventResult['step'];
  } else if (type === 'hook_created') {
    const hook = state.hooks.get(event.correlationId)!;
    result.hook = presentHook(hook, resolveData);
  } else if (type === 'wait_created' || type === 'wait_completed') {
    const wait = record.waits.get(event.correlationId)!;
    result.wait = presentWait(wait);
  }
  return result;
}

function runResult(record: RunRecord, resolveData: 'all' | 'none' = 'all'): EventResult {
  return {
    run: presentRun(record.run, resolveData) as EventResult['run'],
    maxEvents: maxEventsPerRun(),
  };
}

/** Per-run event ceiling the runtime enforces; same variable and default as world-local. */
function maxEventsPerRun(): number {
  const configured = Number(process.env.WORKFLOW_MAX_EVENTS);
  return Number.isInteger(configured) && configured > 0 ? configured : 25_000;
}
