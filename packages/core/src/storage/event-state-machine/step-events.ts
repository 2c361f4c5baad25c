import { isTerminalStepStatus, isTerminalWorkflowRunStatus } from '@workflow/world';
import {
  accept,
  type Context,
  plannedEvent,
  type Request,
  structuredError,
  toDate,
} from './context.js';
import type { RunFacts } from './facts.js';
import type { EntityWrite, EventPlan, Rejection, StepUpdate } from './plan.js';
import { conflict, notFound, runExpired, tooEarly } from './rejections.js';

type StepRequest = Request<
  'step_created' | 'step_started' | 'step_completed' | 'step_failed' | 'step_retrying'
>;

/** The step must not exist yet (`step_created`), or exist and accept the change. */
export function checkStepEvent(
  context: Context,
  run: RunFacts,
  event: StepRequest,
): Rejection | undefined {
  const step = context.facts.step;
  const id = event.correlationId;
  if (event.eventType === 'step_created') {
    return step ? conflict(`Step "${id}" already exists`) : undefined;
  }
  if (!step) return notFound(`Step "${id}" not found`);
  if (isTerminalStepStatus(step.status)) {
    return conflict(`Cannot modify step in terminal state "${step.status}"`);
  }
  // A run that ended may still collect the result of a step that was already running.
  if (isTerminalWorkflowRunStatus(run.status) && step.status !== 'running') {
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
  return undefined;
}

/** The step change of an admissible step event (rule 1). */
export function decideStepEvent(context: Context, event: StepRequest): EventPlan {
  const { now } = context;
  const logged = [plannedEvent(context, event)];
  switch (event.eventType) {
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
  }
}

function stepUpdate(stepId: string, update: StepUpdate): EntityWrite {
  return { entity: 'step', op: 'update', stepId, update };
}
