import type { Event, Hook, Step, Wait, WorkflowRun } from '@workflow/world';
import { fromStoredJson } from '../stored-json.js';

/** Columns as selected (JSON columns read as text, see `rawJsonTypes`). */
export interface RunRow {
  run_id: string;
  seq: string;
  deployment_id: string;
  workflow_name: string;
  status: WorkflowRun['status'];
  spec_version: number | null;
  execution_context: string | null;
  input: string | null;
  output: string | null;
  error: string | null;
  expired_at: Date | null;
  started_at: Date | null;
  completed_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface StepRow {
  run_id: string;
  step_id: string;
  seq: string;
  step_name: string;
  status: Step['status'];
  attempt: number;
  input: string | null;
  output: string | null;
  error: string | null;
  started_at: Date | null;
  completed_at: Date | null;
  retry_after: Date | null;
  spec_version: number | null;
  created_at: Date;
  updated_at: Date;
}

export interface HookRow {
  hook_id: string;
  seq: string;
  run_id: string;
  token: string;
  metadata: string | null;
  is_webhook: boolean;
  spec_version: number | null;
  created_at: Date;
}

export interface WaitRow {
  run_id: string;
  wait_id: string;
  status: Wait['status'];
  resume_at: Date | null;
  completed_at: Date | null;
  spec_version: number | null;
  created_at: Date;
  updated_at: Date;
}

export interface EventRow {
  event_id: string;
  seq: string;
  run_id: string;
  event_type: Event['eventType'];
  correlation_id: string | null;
  event_data: string | null;
  spec_version: number | null;
  created_at: Date;
  occurred_at: Date | null;
}

/** Column lists, with payload columns swapped for NULL when the caller asked for no data. */
export function runColumns(withData: boolean): string {
  const data = withData ? 'input, output' : 'NULL::text AS input, NULL::text AS output';
  return `run_id, seq, deployment_id, workflow_name, status, spec_version, execution_context, ${data},
    error, expired_at, started_at, completed_at, created_at, updated_at`;
}

export function stepColumns(withData: boolean): string {
  const data = withData ? 'input, output' : 'NULL::text AS input, NULL::text AS output';
  return `run_id, step_id, seq, step_name, status, attempt, ${data}, error, started_at, completed_at,
    retry_after, spec_version, created_at, updated_at`;
}

export function hookColumns(withData: boolean): string {
  const data = withData ? 'metadata' : 'NULL::text AS metadata';
  return `hook_id, seq, run_id, token, ${data}, is_webhook, spec_version, created_at`;
}

export const WAIT_COLUMNS =
  'run_id, wait_id, status, resume_at, completed_at, spec_version, created_at, updated_at';

/** Event data keys that hold payloads (EVENT_DATA_REF_FIELDS of every event type, merged). */
const PAYLOAD_KEYS = "ARRAY['input','output','result','error','metadata','payload']";

export function eventColumns(withData: boolean): string {
  const data = withData ? 'event_data' : `event_data - ${PAYLOAD_KEYS} AS event_data`;
  return `event_id, seq, run_id, event_type, correlation_id, ${data}, spec_version, created_at, occurred_at`;
}

/**
 * Copies only present values, so absent fields are absent rather than `undefined`-valued keys.
 * SQL NULLs of plain columns become absent; a JSON `null` payload (legacy runs) stays `null`.
 */
function defined<T extends object>(entries: Record<string, unknown>): T {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entries)) {
    if (value !== undefined) result[key] = value;
  }
  return result as T;
}

const absent = <T>(value: T | null): T | undefined => (value === null ? undefined : value);

export function toRun(row: RunRow): WorkflowRun {
  return defined<WorkflowRun>({
    runId: row.run_id,
    status: row.status,
    deploymentId: row.deployment_id,
    workflowName: row.workflow_name,
    specVersion: absent(row.spec_version),
    executionContext: fromStoredJson(row.execution_context),
    input: fromStoredJson(row.input),
    output: fromStoredJson(row.output),
    error: fromStoredJson(row.error),
    expiredAt: absent(row.expired_at),
    startedAt: absent(row.started_at),
    completedAt: absent(row.completed_at),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
}

export function toStep(row: StepRow): Step {
  return defined<Step>({
    runId: row.run_id,
    stepId: row.step_id,
    stepName: row.step_name,
    status: row.status,
    input: fromStoredJson(row.input),
    output: fromStoredJson(row.output),
    error: fromStoredJson(row.error),
    attempt: row.attempt,
    startedAt: absent(row.started_at),
    completedAt: absent(row.completed_at),
    retryAfter: absent(row.retry_after),
    specVersion: absent(row.spec_version),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
}

/** Ownership fields the interface requires; a self-hosted database has one owner. */
const HOOK_OWNER = { ownerId: 'worldkit', projectId: 'worldkit', environment: 'postgres' };

export function toHook(row: HookRow): Hook {
  return defined<Hook>({
    runId: row.run_id,
    hookId: row.hook_id,
    token: row.token,
    ...HOOK_OWNER,
    metadata: fromStoredJson(row.metadata),
    createdAt: row.created_at,
    specVersion: absent(row.spec_version),
    isWebhook: row.is_webhook,
  });
}

export function toWait(row: WaitRow): Wait {
  return defined<Wait>({
    waitId: row.wait_id,
    runId: row.run_id,
    status: row.status,
    resumeAt: absent(row.resume_at),
    completedAt: absent(row.completed_at),
    specVersion: absent(row.spec_version),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
}

export function toEvent(row: EventRow): Event {
  return defined<Event>({
    eventId: row.event_id,
    runId: row.run_id,
    eventType: row.event_type,
    correlationId: absent(row.correlation_id),
    eventData: fromStoredJson(row.event_data),
    specVersion: absent(row.spec_version),
    createdAt: row.created_at,
    occurredAt: absent(row.occurred_at),
  });
}
