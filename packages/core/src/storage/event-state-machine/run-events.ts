import { requiresNewerWorld, SPEC_VERSION_CURRENT, validateUlidTimestamp } from '@workflow/world';
import { accept, type Context, plannedEvent, type Request, structuredError } from './context.js';
import type { AnyEventRequest, RunFacts } from './facts.js';
import type { EntityWrite, EventPlan, RunUpdate } from './plan.js';
import { conflict, invalid, runNotSupported } from './rejections.js';

export function decideRunCreated(context: Context, event: Request<'run_created'>): EventPlan {
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
export function decideResilientStart(
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
export function decideLegacy(context: Context, run: RunFacts, event: AnyEventRequest): EventPlan {
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

/** A run event on an existing, current-spec run that passed the terminal guards (rule 1). */
export function decideRunEvent(
  context: Context,
  run: RunFacts,
  event: Request<'run_started' | 'run_completed' | 'run_failed' | 'run_cancelled'>,
): EventPlan {
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
  }
}

function runUpdate(update: Omit<RunUpdate, 'releaseHooksAndWaits'>): EntityWrite {
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
