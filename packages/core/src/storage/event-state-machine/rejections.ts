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
import type { Acceptance, EventPlan, Rejection } from './plan.js';

const rejection = (
  error: Rejection['error'],
  status: number,
  message: string,
  extra: Partial<Rejection> = {},
): Rejection => ({ kind: 'reject', error, status, message, ...extra });

export const invalid = (message: string) => rejection('WorkflowWorldError', 400, message);
export const notFound = (message: string) => rejection('WorkflowWorldError', 404, message);
export const conflict = (message: string) => rejection('EntityConflictError', 409, message);
export const runExpired = (message: string) => rejection('RunExpiredError', 410, message);
export const preconditionFailed = (message: string) =>
  rejection('PreconditionFailedError', 412, message);
export const tooEarly = (message: string, retryAfter: number) =>
  rejection('TooEarlyError', 425, message, { retryAfter });
export const runNotFound = (runId: string) =>
  rejection('WorkflowRunNotFoundError', 404, `Workflow run "${runId}" not found`, {
    subject: runId,
  });
export const hookNotFound = (hookId: string) =>
  rejection('HookNotFoundError', 404, 'Hook not found', { subject: hookId });
export const runNotSupported = (specVersion: number) =>
  rejection(
    'RunNotSupportedError',
    400,
    `Run requires spec version ${specVersion}, but world supports version ${SPEC_VERSION_CURRENT}`,
    { specVersion },
  );

/**
 * The `@workflow/errors` instance a refusal is thrown as, carrying the refusal's status (as
 * `status`, also on the classes that do not declare one), so every backend answers the same
 * class, status and message.
 */
export function rejectionError(plan: Rejection): Error {
  const error = newError(plan) as Error & { status?: number };
  error.status ??= plan.status;
  return error;
}

function newError(plan: Rejection): Error {
  switch (plan.error) {
    case 'WorkflowRunNotFoundError':
      return new WorkflowRunNotFoundError(plan.subject as string);
    case 'HookNotFoundError':
      return new HookNotFoundError(plan.subject as string);
    case 'RunNotSupportedError':
      return new RunNotSupportedError(plan.specVersion as number, SPEC_VERSION_CURRENT);
    case 'EntityConflictError':
      return new EntityConflictError(plan.message);
    case 'RunExpiredError':
      return new RunExpiredError(plan.message);
    case 'TooEarlyError':
      return new TooEarlyError(plan.message, { retryAfter: plan.retryAfter });
    case 'PreconditionFailedError':
      return new PreconditionFailedError(plan.message);
    case 'WorkflowWorldError':
      return new WorkflowWorldError(plan.message, { status: plan.status });
  }
}

/** Throws the refusal, or returns the acceptance: `const plan = acceptedOrThrow(decide(…))`. */
export function acceptedOrThrow(plan: EventPlan): Acceptance {
  if (plan.kind === 'reject') throw rejectionError(plan);
  return plan;
}
