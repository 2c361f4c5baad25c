import {
  RunNotSupportedError,
  WorkflowRunNotFoundError,
  WorkflowWorldError,
} from '@workflow/errors';
import {
  type CreateEventParams,
  type CreateEventRequest,
  type EventResult,
  requiresNewerWorld,
  SPEC_VERSION_CURRENT,
  validateUlidTimestamp,
} from '@workflow/world';
import type { TableHandle } from '../connection/lazy-table.js';
import { retryStaleWrites } from './commit-write.js';
import type { HookItem, StepItem, TokenItem, WaitItem } from './entity-items.js';
import { newUlid } from './event-ids.js';
import { type AnyEventRequest, newWrite, readRun } from './event-write.js';
import { createHook, useHook } from './hook-events.js';
import { hookKey, stepKey, tokenKey, waitKey } from './keys.js';
import { createRun, endRun, resilientStart, startRun } from './run-events.js';
import { refuseStaleSnapshot } from './state-guard.js';
import { createStep, transitionStep } from './step-events.js';
import { changeWait } from './wait-events.js';

/**
 * Writes one event and its entity change as one `TransactWriteItems` (docs/contract.md). Each attempt
 * reads the run's state as a snapshot, decides, and writes with a condition on the run's write
 * guard; a concurrent writer makes the condition fail and the attempt is decided again on fresh
 * state. Semantic errors (`EntityConflictError`, `RunExpiredError`, …) come from that decision,
 * as does `PreconditionFailedError` for a replay's stale `stateUpdatedAt` (`state-guard.ts`).
 */
export function createEvent(
  handle: TableHandle,
  runId: string | null,
  data: AnyEventRequest,
  params: CreateEventParams | undefined,
): Promise<EventResult> {
  if (data.eventType === 'run_created') {
    let id = runId;
    if (id) {
      const problem = validateUlidTimestamp(id, 'wrun_');
      if (problem) throw new WorkflowWorldError(problem);
    } else {
      id = `wrun_${newUlid()}`;
    }
    const fixedId = id;
    return retryStaleWrites(() => createRun(handle, fixedId, data, params));
  }
  if (!runId) throw new WorkflowWorldError(`runId is required for ${data.eventType} events`);
  return retryStaleWrites(() => applyToRun(handle, runId, data, params));
}

async function applyToRun(
  handle: TableHandle,
  runId: string,
  data: CreateEventRequest,
  params: CreateEventParams | undefined,
): Promise<EventResult> {
  const extraKeys = dependencyKeys(runId, data);
  const snapshot = await readRun(handle, runId, extraKeys);
  const { run } = snapshot;
  if (!run) {
    if (data.eventType === 'run_started') return resilientStart(handle, runId, data, params);
    throw new WorkflowRunNotFoundError(runId);
  }
  if (requiresNewerWorld(run.specVersion)) {
    throw new RunNotSupportedError(run.specVersion as number, SPEC_VERSION_CURRENT);
  }
  // Before deciding anything: a stale replay's write is refused whatever it would have done.
  refuseStaleSnapshot(runId, snapshot.log, params);
  const write = newWrite(handle, runId, snapshot.log, data, params);

  switch (data.eventType) {
    case 'run_started':
      return startRun(write, run);
    case 'run_completed':
    case 'run_failed':
    case 'run_cancelled':
      return endRun(handle, write, run, data);
    case 'step_created':
      return createStep(write, run, snapshot.extra[0] as StepItem | undefined, data);
    case 'step_started':
    case 'step_completed':
    case 'step_failed':
    case 'step_retrying':
      return transitionStep(write, run, snapshot.extra[0] as StepItem | undefined, data);
    case 'hook_created':
      return createHook(
        handle,
        write,
        run,
        snapshot.extra[0] as HookItem | undefined,
        snapshot.extra[1] as TokenItem | undefined,
        data,
      );
    case 'hook_received':
    case 'hook_disposed':
      return useHook(write, run, snapshot.extra[0] as HookItem | undefined, data);
    case 'wait_created':
    case 'wait_completed':
      return changeWait(write, run, snapshot.extra[0] as WaitItem | undefined, data);
    default:
      throw new WorkflowWorldError(
        `Unsupported event type "${(data as { eventType: string }).eventType}"`,
      );
  }
}

/** Items besides the run and its guard that an event's decision depends on. */
function dependencyKeys(runId: string, data: CreateEventRequest) {
  switch (data.eventType) {
    case 'step_created':
    case 'step_started':
    case 'step_completed':
    case 'step_failed':
    case 'step_retrying':
      return [stepKey(runId, data.correlationId)];
    case 'hook_created':
      return [hookKey(runId, data.correlationId), tokenKey(data.eventData.token)];
    case 'hook_received':
    case 'hook_disposed':
      return [hookKey(runId, data.correlationId)];
    case 'wait_created':
    case 'wait_completed':
      return [waitKey(runId, data.correlationId)];
    default:
      return [];
  }
}
