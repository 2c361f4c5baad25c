import { WorkflowWorldError } from '@workflow/errors';
import type { AnyEventRequest } from '@workflow/world';
import { copyValue } from './copies.js';

const CREATABLE_EVENT_TYPES = new Set([
  'run_created',
  'run_started',
  'run_completed',
  'run_failed',
  'run_cancelled',
  'step_created',
  'step_completed',
  'step_failed',
  'step_retrying',
  'step_started',
  'hook_created',
  'hook_received',
  'hook_disposed',
  'wait_created',
  'wait_completed',
]);

const NEEDS_CORRELATION_ID = /^(step|hook|wait)_/;

/** Event types whose entity change reads `eventData`, so it must be an object. */
const NEEDS_EVENT_DATA = new Set([
  'run_created',
  'run_completed',
  'run_failed',
  'step_created',
  'step_completed',
  'step_failed',
  'step_retrying',
  'hook_created',
  'hook_received',
  'wait_created',
]);

/**
 * Checks the fields the storage relies on and returns a private copy with dates as `Date`s.
 * Cheaper than parsing the full zod schema on every write; payloads stay opaque. A bad request
 * throws before anything is stored.
 */
export function checkEventRequest(request: unknown): AnyEventRequest {
  if (typeof request !== 'object' || request === null) reject('the event must be an object');
  const data = copyValue(request) as Record<string, unknown> & {
    eventData?: Record<string, unknown>;
  };
  const eventType = data.eventType;
  if (typeof eventType !== 'string' || !CREATABLE_EVENT_TYPES.has(eventType)) {
    reject(`unknown or non-creatable eventType ${JSON.stringify(eventType)}`);
  }
  if (NEEDS_CORRELATION_ID.test(eventType)) {
    if (typeof data.correlationId !== 'string' || data.correlationId === '') {
      reject(`${eventType} needs a non-empty string correlationId`);
    }
  }
  if (data.specVersion !== undefined && typeof data.specVersion !== 'number') {
    reject(`${eventType}: specVersion must be a number`);
  }
  const eventData = data.eventData;
  if (eventData !== undefined && (typeof eventData !== 'object' || eventData === null)) {
    reject(`${eventType}: eventData must be an object`);
  }
  if (NEEDS_EVENT_DATA.has(eventType) && eventData === undefined) {
    reject(`${eventType} needs eventData`);
  }
  switch (eventType) {
    case 'run_created':
      requireString(eventType, eventData, 'deploymentId');
      requireString(eventType, eventData, 'workflowName');
      break;
    case 'step_created':
      requireString(eventType, eventData, 'stepName');
      break;
    case 'hook_created':
      requireString(eventType, eventData, 'token');
      break;
    case 'wait_created':
      eventData!.resumeAt = toDate(eventType, 'resumeAt', eventData!.resumeAt);
      break;
    case 'step_retrying':
      if (eventData!.retryAfter !== undefined) {
        eventData!.retryAfter = toDate(eventType, 'retryAfter', eventData!.retryAfter);
      }
      break;
  }
  return data as unknown as AnyEventRequest;
}

function requireString(
  eventType: string,
  eventData: Record<string, unknown> | undefined,
  field: string,
): void {
  const value = eventData?.[field];
  if (typeof value !== 'string' || value === '') {
    reject(`${eventType} needs a non-empty string eventData.${field}`);
  }
}

function toDate(eventType: string, field: string, value: unknown): Date {
  const date =
    value instanceof Date
      ? value
      : typeof value === 'string' || typeof value === 'number'
        ? new Date(value)
        : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    reject(`${eventType} needs eventData.${field} as a date, got ${JSON.stringify(value)}`);
  }
  return date;
}

function reject(problem: string): never {
  throw new WorkflowWorldError(`Invalid event: ${problem}`, { status: 400 });
}
