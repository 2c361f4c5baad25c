import {
  EntityConflictError,
  RunExpiredError,
  TooEarlyError,
  WorkflowWorldError,
} from '@workflow/errors';
import {
  type EventResult,
  isTerminalStepStatus,
  isTerminalWorkflowRunStatus,
} from '@workflow/world';
import { type RunItem, SCHEMA_VERSION, type StepItem, toStep } from './entity-items.js';
import { newUlid } from './event-ids.js';
import {
  type EventWrite,
  type Request,
  structuredError,
  terminalRunRefuses,
  toDate,
} from './event-write.js';
import { lookup, STEP_PREFIX, stepKey } from './keys.js';

export async function createStep(
  write: EventWrite,
  run: RunItem,
  existing: StepItem | undefined,
  data: Request<'step_created'>,
): Promise<EventResult> {
  if (isTerminalWorkflowRunStatus(run.status)) throw terminalRunRefuses(run.status);
  if (existing) throw new EntityConflictError(`Step "${data.correlationId}" already exists`);
  const item: StepItem = {
    ...stepKey(run.runId, data.correlationId),
    entity: 'step',
    schemaVersion: SCHEMA_VERSION,
    runId: run.runId,
    stepId: data.correlationId,
    stepName: data.eventData.stepName,
    status: 'pending',
    attempt: 0,
    input: write.encode(data.eventData.input),
    specVersion: write.specVersion,
    createdAt: write.now,
    updatedAt: write.now,
    lsi1sk: `${STEP_PREFIX}${newUlid()}`,
    gsi1pk: lookup.step(data.correlationId),
    gsi1sk: '#',
  };
  write.put(item, 'attribute_not_exists(pk)');
  const event = write.event({
    eventType: 'step_created',
    correlationId: data.correlationId,
    eventData: data.eventData,
  });
  await write.commit();
  return { event, step: await toStep(item, true, write.loader()) };
}

export async function transitionStep(
  write: EventWrite,
  run: RunItem,
  step: StepItem | undefined,
  data: Request<'step_started' | 'step_completed' | 'step_failed' | 'step_retrying'>,
): Promise<EventResult> {
  if (!step) throw new WorkflowWorldError(`Step "${data.correlationId}" not found`);
  if (isTerminalStepStatus(step.status)) {
    throw new EntityConflictError(`Cannot modify step in terminal state "${step.status}"`);
  }
  if (isTerminalWorkflowRunStatus(run.status) && step.status !== 'running') {
    throw new RunExpiredError(
      `Cannot modify non-running step on run in terminal state "${run.status}"`,
    );
  }
  const updated: StepItem = { ...step, updatedAt: write.now };
  switch (data.eventType) {
    case 'step_started': {
      if (step.retryAfter !== undefined && step.retryAfter > write.now) {
        throw new TooEarlyError(
          `Cannot start step "${data.correlationId}": retryAfter timestamp has not been reached yet`,
          { retryAfter: Math.ceil((step.retryAfter - write.now) / 1000) },
        );
      }
      updated.status = 'running';
      updated.attempt = step.attempt + 1;
      updated.startedAt = step.startedAt ?? write.now;
      delete updated.retryAfter;
      break;
    }
    case 'step_completed':
      updated.status = 'completed';
      updated.output = write.encode(data.eventData.result);
      updated.completedAt = write.now;
      break;
    case 'step_failed':
      updated.status = 'failed';
      updated.error = write.encode(structuredError(data.eventData.error, data.eventData.stack));
      updated.completedAt = write.now;
      break;
    case 'step_retrying':
      updated.status = 'pending';
      updated.error = write.encode(structuredError(data.eventData.error, data.eventData.stack));
      if (data.eventData.retryAfter) {
        updated.retryAfter = toDate(data.eventData.retryAfter).getTime();
      } else {
        delete updated.retryAfter;
      }
      break;
  }
  write.put(updated);
  const event = write.event({
    eventType: data.eventType,
    correlationId: data.correlationId,
    eventData: 'eventData' in data ? data.eventData : undefined,
  });
  await write.commit();
  return { event, step: await toStep(updated, true, write.loader()) };
}
