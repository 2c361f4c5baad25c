import {
  isLegacySpecVersion,
  isTerminalWorkflowRunStatus,
  requiresNewerWorld,
  SPEC_VERSION_CURRENT,
} from '@workflow/world';
import type { Context } from './context.js';
import type { AnyEventRequest, EventFacts, EventRequest, RunFacts } from './facts.js';
import { checkHookEvent, decideHookEvent } from './hook-events.js';
import type { EventPlan, Rejection } from './plan.js';
import {
  conflict,
  invalid,
  preconditionFailed,
  runExpired,
  runNotFound,
  runNotSupported,
} from './rejections.js';
import {
  decideLegacy,
  decideResilientStart,
  decideRunCreated,
  decideRunEvent,
} from './run-events.js';
import { checkStepEvent, decideStepEvent } from './step-events.js';
import { checkWaitEvent, decideWaitEvent } from './wait-events.js';

const RUN_TRANSITIONS = new Set(['run_started', 'run_completed', 'run_failed', 'run_cancelled']);
const ENTITY_CREATIONS = new Set(['step_created', 'hook_created', 'wait_created']);

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
  return checkTerminalRun(context, run, event) ?? decideEvent(context, run, event);
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

/** The guards and the change of each event family. */
function decideEvent(context: Context, run: RunFacts, event: AnyEventRequest): EventPlan {
  switch (event.eventType) {
    case 'run_started':
    case 'run_completed':
    case 'run_failed':
    case 'run_cancelled':
      return decideRunEvent(context, run, event);
    case 'step_created':
    case 'step_started':
    case 'step_completed':
    case 'step_failed':
    case 'step_retrying':
      return checkStepEvent(context, run, event) ?? decideStepEvent(context, event);
    case 'hook_created':
    case 'hook_received':
    case 'hook_disposed':
      return checkHookEvent(context, run, event) ?? decideHookEvent(context, event);
    case 'wait_created':
    case 'wait_completed':
      return checkWaitEvent(context, run, event) ?? decideWaitEvent(context, event);
    default:
      return invalid(`Unsupported event type "${(event as { eventType: string }).eventType}"`);
  }
}
