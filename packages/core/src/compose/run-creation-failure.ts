import * as workflowErrors from '@workflow/errors';
import { WorkflowWorldError } from '@workflow/errors';

/** Names of the errors the runtime knows (`X.is(err)` compares names, so names are the contract). */
const CONTRACT_ERROR_NAMES = new Set(
  Object.values(workflowErrors).flatMap((value) =>
    typeof value === 'function' && value.prototype instanceof Error ? [value.name] : [],
  ),
);

/**
 * The runtime's `start()` writes `run_created` and queues the run's first message in parallel;
 * the message carries the run's input, so the run starts from it even when `run_created` failed
 * (the runtime's "resilient start"). The runtime answers the caller accordingly only for errors
 * it classifies as retryable: any other error makes `start()` throw — a 500 to the client — for
 * a run that starts anyway, and a client retrying on 500 starts it twice. A storage failure that
 * is not one of the contract's errors (a connection refused, a failed migration, an SDK fault) is
 * therefore reported as a 503 `WorkflowWorldError`, keeping the original as its cause.
 */
export function asRetryableRunCreationFailure(error: unknown): never {
  if (error instanceof Error && CONTRACT_ERROR_NAMES.has(error.name)) throw error;
  const message = error instanceof Error ? error.message : String(error);
  throw new WorkflowWorldError(`storage could not record run_created: ${message}`, {
    status: 503,
    cause: error,
  });
}
