import { WorkflowWorldError } from '@workflow/errors';

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

/** Identifiers every backend stores as text columns or keys. */
const REQUIRED_NAMES: Record<string, string[]> = {
  run_created: ['deploymentId', 'workflowName'],
  step_created: ['stepName'],
  hook_created: ['token'],
};

const DATE_FIELDS: Record<string, { field: string; required: boolean }> = {
  wait_created: { field: 'resumeAt', required: true },
  step_retrying: { field: 'retryAfter', required: false },
};

/**
 * Rejects a malformed `events.create` call with a 400 `WorkflowWorldError` before it reaches
 * any backend, so every storage answers bad input the same typed way instead of with a driver
 * error (a NUL byte in a text column, a BigInt JSON cannot hold, a missing field read as
 * `undefined`). Payload bytes stay opaque; only the fields storages index or compute on are read.
 */
export function checkEventRequest(runId: unknown, request: unknown): void {
  if (runId !== null) checkIdentifier('runId', runId);
  if (typeof request !== 'object' || request === null) reject('the event must be an object');
  const event = request as Record<string, unknown>;
  const eventType = event.eventType;
  if (typeof eventType !== 'string' || !CREATABLE_EVENT_TYPES.has(eventType)) {
    reject(`unknown or non-creatable eventType ${describe(eventType)}`);
  }
  if (runId === null && eventType !== 'run_created') reject(`${eventType} needs a runId`);
  if (NEEDS_CORRELATION_ID.test(eventType)) checkIdentifier('correlationId', event.correlationId);
  else if (event.correlationId !== undefined && typeof event.correlationId !== 'string') {
    reject(`${eventType}: correlationId must be a string`);
  }
  if (event.specVersion !== undefined && !Number.isSafeInteger(event.specVersion)) {
    reject(`${eventType}: specVersion must be an integer`);
  }
  const eventData = event.eventData;
  if (eventData !== undefined && !isPlainObject(eventData)) {
    reject(`${eventType}: eventData must be an object`);
  }
  if (NEEDS_EVENT_DATA.has(eventType) && eventData === undefined) {
    reject(`${eventType} needs eventData`);
  }
  const data = (eventData ?? {}) as Record<string, unknown>;
  for (const field of REQUIRED_NAMES[eventType] ?? []) {
    checkIdentifier(`eventData.${field}`, data[field]);
  }
  const dateField = DATE_FIELDS[eventType];
  if (dateField && (dateField.required || data[dateField.field] !== undefined)) {
    checkDate(eventType, dateField.field, data[dateField.field]);
  }
  checkStorable(eventData, 'eventData', 0);
}

function checkIdentifier(name: string, value: unknown): void {
  if (typeof value !== 'string' || value === '') reject(`${name} must be a non-empty string`);
  if (value.length > 1024) reject(`${name} is longer than 1024 characters`);
  if (value.includes('\u0000')) reject(`${name} must not contain NUL characters`);
  // One rule for every backend: PostgreSQL text would turn a lone surrogate into U+FFFD while
  // others keep it, and an identifier that changes on its way in can never be found again.
  if (LONE_SURROGATE.test(value)) reject(`${name} must be well-formed Unicode (a lone surrogate)`);
}

/** With the `u` flag, `\p{Cs}` matches only surrogates not part of a pair. */
const LONE_SURROGATE = /\p{Cs}/u;

function checkDate(eventType: string, field: string, value: unknown): void {
  const date =
    value instanceof Date
      ? value
      : typeof value === 'string' || typeof value === 'number'
        ? new Date(value)
        : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    reject(`${eventType} needs eventData.${field} as a date, got ${describe(value)}`);
  }
}

/** Walks objects and arrays (not byte arrays): values every backend can store, keys without NUL. */
function checkStorable(value: unknown, path: string, depth: number): void {
  if (depth > 64) reject(`${path} is nested more than 64 levels deep`);
  if (typeof value === 'bigint') reject(`${path} is a BigInt, which cannot be stored`);
  if (typeof value === 'number' && !Number.isFinite(value))
    reject(`${path} is not a finite number`);
  if (typeof value === 'function' || typeof value === 'symbol')
    reject(`${path} is a ${typeof value}`);
  if (
    value === null ||
    typeof value !== 'object' ||
    ArrayBuffer.isView(value) ||
    value instanceof Date
  ) {
    return;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries())
      checkStorable(item, `${path}[${index}]`, depth + 1);
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    if (key.includes('\u0000')) reject(`${path} has a key with a NUL character`);
    checkStorable(item, `${path}.${key}`, depth + 1);
  }
}

function isPlainObject(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !ArrayBuffer.isView(value)
  );
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 60));
  if (typeof value === 'bigint') return 'a BigInt';
  return value === null ? 'null' : typeof value;
}

function reject(problem: string): never {
  throw new WorkflowWorldError(`Invalid event: ${problem}`, { status: 400 });
}
