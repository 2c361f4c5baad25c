import type { Event, Hook, Step, StructuredError, Wait, WorkflowRun } from '@workflow/world';
import { decodeTime } from 'ulid';
import type { RunRecord, StorageState } from './storage-state.js';

/**
 * One accepted change. The journal stores exactly these, and the live path and the replay on
 * open both go through `applyEntry`, so what is replayed is by construction what was served.
 */
export type JournalEntry =
  | {
      kind: 'event';
      event: Event;
      /** Set for step results and hook payloads written outside a replay (see `externalUpdateAt`). */
      external?: boolean;
    }
  | {
      /** Cancelling a pre-event-sourcing run changes the run without writing an event. */
      kind: 'legacy-cancel';
      runId: string;
      at: Date;
    };

export function applyEntry(state: StorageState, entry: JournalEntry): void {
  if (entry.kind === 'legacy-cancel') {
    const record = requireRun(state, entry.runId);
    finishRun(state, record, { status: 'cancelled' }, entry.at);
    return;
  }
  const { event } = entry;
  const record =
    event.eventType === 'run_created' ? createRun(state, event) : requireRun(state, event.runId);
  applyToEntities(state, record, event);
  state.addEvent(record, event);
  if (entry.external) {
    record.externalUpdateAt = Math.max(record.externalUpdateAt, eventIdTime(event.eventId));
  }
}

function createRun(state: StorageState, event: Event & { eventType: 'run_created' }): RunRecord {
  const { deploymentId, workflowName, input, executionContext } = event.eventData;
  const run: WorkflowRun = {
    runId: event.runId,
    deploymentId,
    status: 'pending',
    workflowName,
    specVersion: event.specVersion,
    executionContext,
    input,
    createdAt: event.createdAt,
    updatedAt: event.createdAt,
  };
  return state.addRun(run);
}

function applyToEntities(state: StorageState, record: RunRecord, event: Event): void {
  const at = event.createdAt;
  switch (event.eventType) {
    case 'run_created':
      return;
    case 'run_started':
      record.run = {
        ...record.run,
        status: 'running',
        output: undefined,
        error: undefined,
        completedAt: undefined,
        startedAt: record.run.startedAt ?? at,
        updatedAt: at,
      };
      return;
    case 'run_completed':
      finishRun(state, record, { status: 'completed', output: event.eventData.output }, at);
      return;
    case 'run_failed':
      finishRun(
        state,
        record,
        {
          status: 'failed',
          error: {
            ...structuredError(event.eventData.error, undefined),
            code: event.eventData.errorCode,
          },
        },
        at,
      );
      return;
    case 'run_cancelled':
      // Cancelling an already cancelled run is accepted: the event is logged, the run stays.
      if (record.run.status !== 'cancelled') finishRun(state, record, { status: 'cancelled' }, at);
      return;
    case 'step_created': {
      const step: Step = {
        runId: event.runId,
        stepId: event.correlationId,
        stepName: event.eventData.stepName,
        status: 'pending',
        input: event.eventData.input,
        attempt: 0,
        createdAt: at,
        updatedAt: at,
        specVersion: event.specVersion,
      };
      state.addStep(record, step);
      return;
    }
    case 'step_started':
      updateStep(record, event.correlationId, (step) => {
        step.status = 'running';
        step.attempt += 1;
        step.startedAt ??= at;
        delete step.retryAfter;
        step.updatedAt = at;
      });
      return;
    case 'step_completed':
      updateStep(record, event.correlationId, (step) => {
        step.status = 'completed';
        step.output = event.eventData.result;
        step.completedAt = at;
        step.updatedAt = at;
      });
      return;
    case 'step_failed':
      updateStep(record, event.correlationId, (step) => {
        step.status = 'failed';
        step.error = structuredError(event.eventData.error, event.eventData.stack);
        step.completedAt = at;
        step.updatedAt = at;
      });
      return;
    case 'step_retrying':
      updateStep(record, event.correlationId, (step) => {
        step.status = 'pending';
        step.error = structuredError(event.eventData.error, event.eventData.stack);
        if (event.eventData.retryAfter) step.retryAfter = event.eventData.retryAfter;
        else delete step.retryAfter;
        step.updatedAt = at;
      });
      return;
    case 'hook_created': {
      const hook: Hook = {
        runId: event.runId,
        hookId: event.correlationId,
        token: event.eventData.token,
        metadata: event.eventData.metadata,
        ownerId: 'local-owner',
        projectId: 'local-project',
        environment: 'local',
        createdAt: at,
        specVersion: event.specVersion,
        isWebhook: event.eventData.isWebhook ?? false,
      };
      state.addHook(record, hook);
      return;
    }
    case 'hook_disposed': {
      const hook = state.hooks.get(event.correlationId);
      if (hook) state.removeHook(record, hook);
      return;
    }
    case 'wait_created': {
      const wait: Wait = {
        waitId: `${event.runId}-${event.correlationId}`,
        runId: event.runId,
        status: 'waiting',
        resumeAt: event.eventData.resumeAt,
        createdAt: at,
        updatedAt: at,
        specVersion: event.specVersion,
      };
      record.waits.set(event.correlationId, wait);
      return;
    }
    case 'wait_completed': {
      const wait = record.waits.get(event.correlationId);
      if (!wait) return; // legacy runs log wait_completed without a wait entity
      wait.status = 'completed';
      wait.completedAt = at;
      wait.updatedAt = at;
      return;
    }
    case 'hook_received':
    case 'hook_conflict':
      // Logged only: a hook has no payload field, and a conflict creates no hook.
      return;
  }
}

type RunEnding =
  | { status: 'completed'; output: unknown }
  | { status: 'failed'; error: StructuredError }
  | { status: 'cancelled' };

function finishRun(state: StorageState, record: RunRecord, ending: RunEnding, at: Date): void {
  const { output: _output, error: _error, ...rest } = record.run;
  record.run = { ...rest, ...ending, completedAt: at, updatedAt: at } as WorkflowRun;
  state.releaseRunResources(record);
}

function updateStep(record: RunRecord, stepId: string, change: (step: Step) => void): void {
  const step = record.steps.get(stepId);
  if (!step) throw new Error(`journal names step "${stepId}" that run has not created`);
  change(step);
}

function requireRun(state: StorageState, runId: string): RunRecord {
  const record = state.runs.get(runId);
  if (!record) throw new Error(`journal names run "${runId}" that was never created`);
  return record;
}

/** Errors arrive as strings or error-like objects; the entity always gets `{ message, stack }`. */
function structuredError(error: unknown, stack: string | undefined): StructuredError {
  const errorLike = (typeof error === 'object' && error !== null ? error : {}) as {
    message?: unknown;
    stack?: unknown;
  };
  const message =
    typeof error === 'string'
      ? error
      : typeof errorLike.message === 'string'
        ? errorLike.message
        : 'Unknown error';
  const errorStack = stack ?? (typeof errorLike.stack === 'string' ? errorLike.stack : undefined);
  return errorStack === undefined ? { message } : { message, stack: errorStack };
}

/** Event ids are `evnt_<ULID>`; the ULID's time part is when the event was written. */
export function eventIdTime(eventId: string): number {
  try {
    return decodeTime(eventId.slice(eventId.lastIndexOf('_') + 1));
  } catch {
    return 0;
  }
}
