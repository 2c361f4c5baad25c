import {
  type CreateEventRequest,
  type RunCreatedEventRequest,
  SPEC_VERSION_CURRENT,
} from '@workflow/world';
import { bytesOf } from './payloads.js';

/**
 * Typed factories for the requests the runtime sends to `events.create`, shaped like
 * `@workflow/world`'s `events.ts` (eventType, correlationId, eventData, specVersion). Every request
 * carries `specVersion` because the runtime always sends it on new events.
 */

/** Narrows the request union to one event type, so factories return precise types. */
export type EventRequest<T extends CreateEventRequest['eventType']> = Extract<
  CreateEventRequest,
  { eventType: T }
>;

export interface RunCreatedFields {
  workflowName: string;
  deploymentId?: string;
  input?: Uint8Array;
  executionContext?: Record<string, unknown>;
  specVersion?: number;
}

export function runCreated(fields: RunCreatedFields): RunCreatedEventRequest {
  return {
    eventType: 'run_created',
    specVersion: fields.specVersion ?? SPEC_VERSION_CURRENT,
    eventData: {
      deploymentId: fields.deploymentId ?? 'dpl_conformance',
      workflowName: fields.workflowName,
      input: fields.input ?? bytesOf('run-input'),
      ...(fields.executionContext ? { executionContext: fields.executionContext } : {}),
    },
  };
}

/**
 * `run_started`. With `resilientStart`, it carries the run's creation data as the queue message
 * does, so a storage can create a run whose `run_created` write was lost (storage rule 5 in docs/contract.md).
 */
export function runStarted(resilientStart?: {
  workflowName: string;
  deploymentId?: string;
  input: Uint8Array;
}): EventRequest<'run_started'> {
  return {
    eventType: 'run_started',
    specVersion: SPEC_VERSION_CURRENT,
    ...(resilientStart
      ? {
          eventData: {
            workflowName: resilientStart.workflowName,
            deploymentId: resilientStart.deploymentId ?? 'dpl_conformance',
            input: resilientStart.input,
          },
        }
      : {}),
  };
}

export function runCompleted(
  output: Uint8Array = bytesOf('run-output'),
): EventRequest<'run_completed'> {
  return { eventType: 'run_completed', specVersion: SPEC_VERSION_CURRENT, eventData: { output } };
}

export function runFailed(
  message = 'workflow failed',
  errorCode = 'USER_ERROR',
): EventRequest<'run_failed'> {
  return {
    eventType: 'run_failed',
    specVersion: SPEC_VERSION_CURRENT,
    eventData: { error: { message, stack: `Error: ${message}\n    at conformance` }, errorCode },
  };
}

export function runCancelled(): EventRequest<'run_cancelled'> {
  return { eventType: 'run_cancelled', specVersion: SPEC_VERSION_CURRENT };
}

export function stepCreated(
  stepId: string,
  input: Uint8Array = bytesOf('step-input'),
  stepName = 'step//./conformance//doWork',
): EventRequest<'step_created'> {
  return {
    eventType: 'step_created',
    specVersion: SPEC_VERSION_CURRENT,
    correlationId: stepId,
    eventData: { stepName, input },
  };
}

export function stepStarted(stepId: string): EventRequest<'step_started'> {
  return { eventType: 'step_started', specVersion: SPEC_VERSION_CURRENT, correlationId: stepId };
}

export function stepCompleted(
  stepId: string,
  result: Uint8Array = bytesOf('step-result'),
): EventRequest<'step_completed'> {
  return {
    eventType: 'step_completed',
    specVersion: SPEC_VERSION_CURRENT,
    correlationId: stepId,
    eventData: { result },
  };
}

/** `step_failed` as the runtime sends it: the error is a message string plus a stack. */
export function stepFailed(stepId: string, message = 'step failed'): EventRequest<'step_failed'> {
  return {
    eventType: 'step_failed',
    specVersion: SPEC_VERSION_CURRENT,
    correlationId: stepId,
    eventData: { error: message, stack: `Error: ${message}\n    at conformance` },
  };
}

export function stepRetrying(
  stepId: string,
  message = 'step will retry',
  retryAfter?: Date,
): EventRequest<'step_retrying'> {
  return {
    eventType: 'step_retrying',
    specVersion: SPEC_VERSION_CURRENT,
    correlationId: stepId,
    eventData: {
      error: message,
      stack: `Error: ${message}\n    at conformance`,
      ...(retryAfter ? { retryAfter } : {}),
    },
  };
}

export function hookCreated(
  hookId: string,
  token: string,
  metadata: Uint8Array = bytesOf('hook-metadata'),
): EventRequest<'hook_created'> {
  return {
    eventType: 'hook_created',
    specVersion: SPEC_VERSION_CURRENT,
    correlationId: hookId,
    eventData: { token, metadata },
  };
}

export function hookReceived(
  hookId: string,
  token: string,
  payload: Uint8Array = bytesOf('hook-payload'),
): EventRequest<'hook_received'> {
  return {
    eventType: 'hook_received',
    specVersion: SPEC_VERSION_CURRENT,
    correlationId: hookId,
    eventData: { token, payload },
  };
}

export function hookDisposed(hookId: string, token?: string): EventRequest<'hook_disposed'> {
  return {
    eventType: 'hook_disposed',
    specVersion: SPEC_VERSION_CURRENT,
    correlationId: hookId,
    ...(token ? { eventData: { token } } : {}),
  };
}

export function waitCreated(waitId: string, resumeAt: Date): EventRequest<'wait_created'> {
  return {
    eventType: 'wait_created',
    specVersion: SPEC_VERSION_CURRENT,
    correlationId: waitId,
    eventData: { resumeAt },
  };
}

export function waitCompleted(waitId: string, resumeAt?: Date): EventRequest<'wait_completed'> {
  return {
    eventType: 'wait_completed',
    specVersion: SPEC_VERSION_CURRENT,
    correlationId: waitId,
    ...(resumeAt ? { eventData: { resumeAt } } : {}),
  };
}
