import {
  EntityConflictError,
  HookNotFoundError,
  RunExpiredError,
  RunNotSupportedError,
  TooEarlyError,
  WorkflowRunNotFoundError,
  WorkflowWorldError,
} from '@workflow/errors';
import {
  type CreateEventParams,
  type CreateEventRequest,
  type Event,
  type EventResult,
  isTerminalStepStatus,
  isTerminalWorkflowRunStatus,
  type RunCreatedEventRequest,
  requiresNewerWorld,
  SPEC_VERSION_CURRENT,
  stripEventDataRefs,
  validateUlidTimestamp,
} from '@workflow/world';
import type pg from 'pg';
import { monotonicFactory } from 'ulid';
import { query } from '../connection/raw-json-types.js';
import type { TableNames } from '../connection/table-names.js';
import { toStoredJson } from '../stored-json.js';
import {
  type EventRow,
  eventColumns,
  type HookRow,
  hookColumns,
  type RunRow,
  runColumns,
  type StepRow,
  stepColumns,
  toEvent,
  toHook,
  toRun,
  toStep,
  toWait,
  WAIT_COLUMNS,
  type WaitRow,
} from './entity-rows.js';
import { checkStateSnapshot, markerAdvance } from './state-guard.js';

type AnyEventRequest = CreateEventRequest | RunCreatedEventRequest;
type Client = pg.PoolClient;

/** Monotonic within the process, so a run's event ids sort in the order its events commit. */
const nextUlid = monotonicFactory();
const newEventId = () => `evnt_${nextUlid()}`;

interface LockedRun {
  run_id: string;
  status: RunRow['status'];
  spec_version: number | null;
  /** Marker of the `stateUpdatedAt` guard (see state-guard.ts), epoch ms. */
  external_update_at: number;
}

interface EventDraft {
  runId: string;
  eventType: Event['eventType'];
  correlationId?: string;
  eventData?: unknown;
  specVersion: number;
}

/**
 * Writes one event and its entity change in the caller's transaction (docs/contract.md). Every event
 * for an existing run first locks the run row (`SELECT … FOR UPDATE`), so writers of one run
 * are serialized: terminal guards, "complete once" and "no hook_received after hook_disposed"
 * are checked against state no one else can change until this transaction ends. Entity
 * creation uses `INSERT … ON CONFLICT DO NOTHING`, so duplicates lose without aborting.
 */
export async function createEventInTransaction(
  client: Client,
  tables: TableNames,
  runId: string | null,
  data: AnyEventRequest,
  params: CreateEventParams | undefined,
): Promise<EventResult> {
  const now = new Date();
  const specVersion = data.specVersion ?? SPEC_VERSION_CURRENT;
  const resolveData = params?.resolveData ?? 'all';
  const write = (draft: EventDraft) => insertEvent(client, tables, draft, now, params, resolveData);

  if (data.eventType === 'run_created') {
    return createRun(client, tables, runId, data, specVersion, now, write);
  }
  if (!runId) throw new WorkflowWorldError(`runId is required for ${data.eventType} events`);

  let run = await lockRun(client, tables, runId);
  if (!run && data.eventType === 'run_started') {
    run = await createRunForResilientStart(client, tables, runId, data, specVersion, now, write);
  }
  if (!run) throw new WorkflowRunNotFoundError(runId);
  if (requiresNewerWorld(run.spec_version)) {
    throw new RunNotSupportedError(run.spec_version as number, SPEC_VERSION_CURRENT);
  }
  // Before anything is written, so a refused write leaves no trace.
  checkStateSnapshot(runId, run.external_update_at, params);
  const runTerminal = isTerminalWorkflowRunStatus(run.status);
  const base = { runId, specVersion };

  switch (data.eventType) {
    case 'run_started': {
      if (runTerminal) {
        throw new RunExpiredError(
          `Workflow run "${runId}" is already in terminal state "${run.status}"`,
        );
      }
      if (run.status === 'running') {
        // A concurrent or repeated start: no event, just the run as it is (storage rule 2 in docs/contract.md).
        return {
          run: toRun(await readRun(client, tables, runId)),
          ...(await preloadEvents(client, tables, runId)),
        };
      }
      const updated = await updateRun(
        client,
        tables,
        runId,
        `status = 'running', started_at = COALESCE(started_at, $2), updated_at = $2`,
        [now],
      );
      const event = await write({ ...base, eventType: 'run_started' });
      return { event, run: toRun(updated), ...(await preloadEvents(client, tables, runId)) };
    }
    case 'run_completed':
    case 'run_failed':
    case 'run_cancelled': {
      if (data.eventType === 'run_cancelled' && run.status === 'cancelled') {
        // Cancelling twice is accepted (storage rule 2 in docs/contract.md); the log records the request.
        const event = await write({ ...base, eventType: 'run_cancelled' });
        return { event, run: toRun(await readRun(client, tables, runId)) };
      }
      if (runTerminal) {
        throw new EntityConflictError(`Cannot transition run from terminal state "${run.status}"`);
      }
      const updated = await endRun(client, tables, runId, data, now);
      const event = await write({
        ...base,
        eventType: data.eventType,
        eventData: 'eventData' in data ? data.eventData : undefined,
      });
      return { event, run: toRun(updated) };
    }
    case 'step_created': {
      if (runTerminal) throw terminalRunRefuses(run.status);
      const inserted = await query<StepRow>(
        client,
        `INSERT INTO ${tables.steps}
           (run_id, step_id, step_name, status, attempt, input, spec_version, created_at, updated_at)
         VALUES ($1, $2, $3, 'pending', 0, $4::jsonb, $5, $6, $6)
         ON CONFLICT (run_id, step_id) DO NOTHING
         RETURNING ${stepColumns(true)}`,
        [
          runId,
          data.correlationId,
          data.eventData.stepName,
          toStoredJson(data.eventData.input),
          specVersion,
          now,
        ],
      );
      const row = inserted.rows[0];
      if (!row) throw new EntityConflictError(`Step "${data.correlationId}" already exists`);
      const event = await write({
        ...base,
        eventType: data.eventType,
        correlationId: data.correlationId,
        eventData: data.eventData,
      });
      return { event, step: toStep(row) };
    }
    case 'step_started':
    case 'step_completed':
    case 'step_failed':
    case 'step_retrying': {
      const step = await transitionStep(client, tables, run, data, now);
      const event = await write({
        ...base,
        eventType: data.eventType,
        correlationId: data.correlationId,
        eventData: 'eventData' in data ? data.eventData : undefined,
      });
      return { event, step: toStep(step) };
    }
    case 'hook_created': {
      if (runTerminal) throw terminalRunRefuses(run.status);
      return createHook(client, tables, runId, data, specVersion, now, write);
    }
    case 'hook_received': {
      // The run lock orders this against hook_disposed and run endings, so a hook that is
      // gone now stays gone: hook_received can never land after its hook_disposed.
      const hook = await query<{ hook_id: string }>(
        client,
        `SELECT hook_id FROM ${tables.hooks} WHERE hook_id = $1 AND run_id = $2`,
        [data.correlationId, runId],
      );
      if (hook.rowCount === 0) throw new HookNotFoundError(data.correlationId);
      const event = await write({
        ...base,
        eventType: data.eventType,
        correlationId: data.correlationId,
        eventData: data.eventData,
      });
      return { event };
    }
    case 'hook_disposed': {
      const deleted = await query<HookRow>(
        client,
        `DELETE FROM ${tables.hooks} WHERE hook_id = $1 AND run_id = $2 RETURNING ${hookColumns(false)}`,
        [data.correlationId, runId],
      );
      if (deleted.rowCount === 0) throw new HookNotFoundError(data.correlationId);
      const event = await write({
        ...base,
        eventType: data.eventType,
        correlationId: data.correlationId,
        eventData: data.eventData,
      });
      return { event };
    }
    case 'wait_created': {
      if (runTerminal) throw terminalRunRefuses(run.status);
      const inserted = await query<WaitRow>(
        client,
        `INSERT INTO ${tables.waits}
           (run_id, wait_id, status, resume_at, spec_version, created_at, updated_at)
         VALUES ($1, $2, 'waiting', $3, $4, $5, $5)
         ON CONFLICT (run_id, wait_id) DO NOTHING
         RETURNING ${WAIT_COLUMNS}`,
        [runId, data.correlationId, toDate(data.eventData.resumeAt), specVersion, now],
      );
      const row = inserted.rows[0];
      if (!row) throw new EntityConflictError(`Wait "${data.correlationId}" already exists`);
      const event = await write({
        ...base,
        eventType: data.eventType,
        correlationId: data.correlationId,
        eventData: data.eventData,
      });
      return { event, wait: toWait(row) };
    }
    case 'wait_completed': {
      const completed = await query<WaitRow>(
        client,
        `UPDATE ${tables.waits} SET status = 'completed', completed_at = $3, updated_at = $3
         WHERE run_id = $1 AND wait_id = $2 AND status = 'waiting'
         RETURNING ${WAIT_COLUMNS}`,
        [runId, data.correlationId, now],
      );
      const row = completed.rows[0];
      if (!row) {
        const exists = await query(
          client,
          `SELECT 1 FROM ${tables.waits} WHERE run_id = $1 AND wait_id = $2`,
          [runId, data.correlationId],
        );
        if (exists.rowCount)
          throw new EntityConflictError(`Wait "${data.correlationId}" already completed`);
        throw new WorkflowWorldError(`Wait "${data.correlationId}" not found`);
      }
      const event = await write({
        ...base,
        eventType: data.eventType,
        correlationId: data.correlationId,
        eventData: data.eventData,
      });
      return { event, wait: toWait(row) };
    }
    default:
      throw new WorkflowWorldError(
        `Unsupported event type "${(data as { eventType: string }).eventType}"`,
      );
  }
}

/** Most events a run_started response carries; longer logs are paged by the runtime itself. */
const PRELOADED_EVENTS = 1000;

/**
 * The run's log as of this transaction (under the run lock, so it is exactly what replay must
 * see), returned with run_started so the runtime skips its first `events.list` round trip.
 */
async function preloadEvents(
  client: Client,
  tables: TableNames,
  runId: string,
): Promise<Pick<EventResult, 'events' | 'cursor' | 'hasMore'>> {
  const result = await query<EventRow>(
    client,
    `SELECT ${eventColumns(true)} FROM ${tables.events} WHERE run_id = $1 ORDER BY seq LIMIT $2`,
    [runId, PRELOADED_EVENTS + 1],
  );
  const hasMore = result.rows.length > PRELOADED_EVENTS;
  const rows = hasMore ? result.rows.slice(0, PRELOADED_EVENTS) : result.rows;
  return { events: rows.map(toEvent), cursor: rows.at(-1)?.seq ?? null, hasMore };
}

function terminalRunRefuses(status: string): EntityConflictError {
  return new EntityConflictError(`Cannot create new entities on run in terminal state "${status}"`);
}

async function insertEvent(
  client: Client,
  tables: TableNames,
  draft: EventDraft,
  now: Date,
  params: CreateEventParams | undefined,
  resolveData: 'all' | 'none',
): Promise<Event> {
  const eventId = newEventId();
  const values: unknown[] = [
    eventId,
    draft.runId,
    draft.eventType,
    draft.correlationId ?? null,
    toStoredJson(draft.eventData),
    draft.specVersion,
    now,
    params?.occurredAt ?? null,
  ];
  const marker = markerAdvance(draft.eventType, eventId, params);
  // An external result moves the run's guard marker in the same statement (no extra round trip).
  const advance =
    marker === undefined
      ? ''
      : `WITH advanced AS (
           UPDATE ${tables.runs} SET external_update_at = GREATEST(external_update_at, $9::bigint)
           WHERE run_id = $2)
         `;
  await client.query(
    `${advance}INSERT INTO ${tables.events}
       (event_id, run_id, event_type, correlation_id, event_data, spec_version, created_at, occurred_at)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8)`,
    marker === undefined ? values : [...values, marker],
  );
  const event = {
    eventType: draft.eventType,
    runId: draft.runId,
    eventId,
    createdAt: now,
    specVersion: draft.specVersion,
    ...(draft.correlationId !== undefined ? { correlationId: draft.correlationId } : {}),
    ...(draft.eventData !== undefined ? { eventData: draft.eventData } : {}),
    ...(params?.occurredAt ? { occurredAt: params.occurredAt } : {}),
  } as Event;
  return stripEventDataRefs(event, resolveData);
}

async function lockRun(
  client: Client,
  tables: TableNames,
  runId: string,
): Promise<LockedRun | undefined> {
  const result = await client.query<LockedRun>(
    `SELECT run_id, status, spec_version, external_update_at::float8 AS external_update_at
     FROM ${tables.runs} WHERE run_id = $1 FOR UPDATE`,
    [runId],
  );
  return result.rows[0];
}

async function readRun(client: Client, tables: TableNames, runId: string): Promise<RunRow> {
  const result = await query<RunRow>(
    client,
    `SELECT ${runColumns(true)} FROM ${tables.runs} WHERE run_id = $1`,
    [runId],
  );
  return result.rows[0] as RunRow;
}

async function updateRun(
  client: Client,
  tables: TableNames,
  runId: string,
  assignments: string,
  values: unknown[],
): Promise<RunRow> {
  const result = await query<RunRow>(
    client,
    `UPDATE ${tables.runs} SET ${assignments} WHERE run_id = $1 RETURNING ${runColumns(true)}`,
    [runId, ...values],
  );
  return result.rows[0] as RunRow;
}

type InsertEvent = (draft: EventDraft) => Promise<Event>;

async function insertRunRow(
  client: Client,
  tables: TableNames,
  runId: string,
  fields: {
    deploymentId: string;
    workflowName: string;
    input: unknown;
    executionContext?: unknown;
  },
  specVersion: number,
  now: Date,
): Promise<RunRow | undefined> {
  const result = await query<RunRow>(
    client,
    `INSERT INTO ${tables.runs}
       (run_id, deployment_id, workflow_name, status, spec_version, execution_context, input, created_at, updated_at)
     VALUES ($1, $2, $3, 'pending', $4, $5::jsonb, $6::jsonb, $7, $7)
     ON CONFLICT (run_id) DO NOTHING
     RETURNING ${runColumns(true)}`,
    [
      runId,
      fields.deploymentId,
      fields.workflowName,
      specVersion,
      toStoredJson(fields.executionContext),
      toStoredJson(fields.input),
      now,
    ],
  );
  return result.rows[0];
}

async function createRun(
  client: Client,
  tables: TableNames,
  requestedRunId: string | null,
  data: RunCreatedEventRequest,
  specVersion: number,
  now: Date,
  write: InsertEvent,
): Promise<EventResult> {
  let runId = requestedRunId;
  if (runId) {
    const problem = validateUlidTimestamp(runId, 'wrun_');
    if (problem) throw new WorkflowWorldError(problem);
  } else {
    runId = `wrun_${nextUlid()}`;
  }
  const row = await insertRunRow(client, tables, runId, data.eventData, specVersion, now);
  if (!row) throw new EntityConflictError(`Workflow run "${runId}" already exists`);
  const event = await write({
    runId,
    eventType: 'run_created',
    eventData: data.eventData,
    specVersion,
  });
  return { event, run: toRun(row) };
}

/**
 * storage rule 5 in docs/contract.md: `run_started` for a run that does not exist yet, carrying the run's input,
 * creates the run and its `run_created` event in this same transaction. A concurrent
 * `run_created` either wins the insert (we then start its run) or waits for us.
 */
async function createRunForResilientStart(
  client: Client,
  tables: TableNames,
  runId: string,
  data: Extract<AnyEventRequest, { eventType: 'run_started' }>,
  specVersion: number,
  now: Date,
  write: InsertEvent,
): Promise<LockedRun | undefined> {
  const carried = data.eventData;
  if (!carried?.deploymentId || !carried.workflowName || carried.input === undefined)
    return undefined;
  const creation = {
    deploymentId: carried.deploymentId,
    workflowName: carried.workflowName,
    input: carried.input,
    executionContext: carried.executionContext,
  };
  const row = await insertRunRow(client, tables, runId, creation, specVersion, now);
  if (row) {
    await write({ runId, eventType: 'run_created', eventData: creation, specVersion });
  }
  return lockRun(client, tables, runId);
}

async function endRun(
  client: Client,
  tables: TableNames,
  runId: string,
  data: Extract<AnyEventRequest, { eventType: 'run_completed' | 'run_failed' | 'run_cancelled' }>,
  now: Date,
): Promise<RunRow> {
  let updated: RunRow;
  if (data.eventType === 'run_completed') {
    updated = await updateRun(
      client,
      tables,
      runId,
      `status = 'completed', output = $2::jsonb, completed_at = $3, updated_at = $3`,
      [toStoredJson(data.eventData.output), now],
    );
  } else if (data.eventType === 'run_failed') {
    const error = {
      ...structuredError(data.eventData.error),
      ...(data.eventData.errorCode ? { code: data.eventData.errorCode } : {}),
    };
    updated = await updateRun(
      client,
      tables,
      runId,
      `status = 'failed', error = $2::jsonb, completed_at = $3, updated_at = $3`,
      [toStoredJson(error), now],
    );
  } else {
    updated = await updateRun(
      client,
      tables,
      runId,
      `status = 'cancelled', completed_at = $2, updated_at = $2`,
      [now],
    );
  }
  // A run ending releases its hook tokens and pending waits in the same transaction.
  await client.query(`DELETE FROM ${tables.hooks} WHERE run_id = $1`, [runId]);
  await client.query(`DELETE FROM ${tables.waits} WHERE run_id = $1`, [runId]);
  return updated;
}

function structuredError(error: unknown, stack?: string): { message: string; stack?: string } {
  const source = error as { message?: unknown; stack?: unknown } | undefined;
  const message =
    typeof error === 'string'
      ? error
      : typeof source?.message === 'string'
        ? source.message
        : 'Unknown error';
  const resolvedStack = stack ?? (typeof source?.stack === 'string' ? source.stack : undefined);
  return resolvedStack === undefined ? { message } : { message, stack: resolvedStack };
}

async function transitionStep(
  client: Client,
  tables: TableNames,
  run: LockedRun,
  data: Extract<
    AnyEventRequest,
    { eventType: 'step_started' | 'step_completed' | 'step_failed' | 'step_retrying' }
  >,
  now: Date,
): Promise<StepRow> {
  const found = await client.query<{ status: StepRow['status']; retry_after: Date | null }>(
    `SELECT status, retry_after FROM ${tables.steps} WHERE run_id = $1 AND step_id = $2 FOR UPDATE`,
    [run.run_id, data.correlationId],
  );
  const step = found.rows[0];
  if (!step) throw new WorkflowWorldError(`Step "${data.correlationId}" not found`);
  if (isTerminalStepStatus(step.status)) {
    throw new EntityConflictError(`Cannot modify step in terminal state "${step.status}"`);
  }
  if (isTerminalWorkflowRunStatus(run.status) && step.status !== 'running') {
    throw new RunExpiredError(
      `Cannot modify non-running step on run in terminal state "${run.status}"`,
    );
  }
  const update = (assignments: string, values: unknown[]) =>
    query<StepRow>(
      client,
      `UPDATE ${tables.steps} SET ${assignments}
       WHERE run_id = $1 AND step_id = $2 RETURNING ${stepColumns(true)}`,
      [run.run_id, data.correlationId, ...values],
    ).then((result) => result.rows[0] as StepRow);

  switch (data.eventType) {
    case 'step_started': {
      if (step.retry_after && step.retry_after.getTime() > now.getTime()) {
        throw new TooEarlyError(
          `Cannot start step "${data.correlationId}": retryAfter timestamp has not been reached yet`,
          { retryAfter: Math.ceil((step.retry_after.getTime() - now.getTime()) / 1000) },
        );
      }
      return update(
        `status = 'running', attempt = attempt + 1, started_at = COALESCE(started_at, $3),
         retry_after = NULL, updated_at = $3`,
        [now],
      );
    }
    case 'step_completed':
      return update(
        `status = 'completed', output = $3::jsonb, completed_at = $4, updated_at = $4`,
        [toStoredJson(data.eventData.result), now],
      );
    case 'step_failed':
      return update(`status = 'failed', error = $3::jsonb, completed_at = $4, updated_at = $4`, [
        toStoredJson(structuredError(data.eventData.error, data.eventData.stack)),
        now,
      ]);
    case 'step_retrying':
      return update(`status = 'pending', error = $3::jsonb, retry_after = $4, updated_at = $5`, [
        toStoredJson(structuredError(data.eventData.error, data.eventData.stack)),
        data.eventData.retryAfter ? toDate(data.eventData.retryAfter) : null,
        now,
      ]);
  }
}

/**
 * storage rule 4 in docs/contract.md: the unique token index decides between concurrent claimants. A token held by
 * another live hook is not an error: the claimant gets a `hook_conflict` event and no hook.
 */
async function createHook(
  client: Client,
  tables: TableNames,
  runId: string,
  data: Extract<AnyEventRequest, { eventType: 'hook_created' }>,
  specVersion: number,
  now: Date,
  write: InsertEvent,
): Promise<EventResult> {
  const { token, metadata, isWebhook } = data.eventData;
  const hookId = data.correlationId;
  // A holder can vanish between our conflicting insert and the lookup (its run ended); then
  // the token is free and the insert is worth another try.
  for (let attempt = 0; attempt < 3; attempt++) {
    const inserted = await query<HookRow>(
      client,
      `INSERT INTO ${tables.hooks} (hook_id, run_id, token, metadata, is_webhook, spec_version, created_at)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7)
       ON CONFLICT DO NOTHING
       RETURNING ${hookColumns(true)}`,
      [hookId, runId, token, toStoredJson(metadata), isWebhook ?? false, specVersion, now],
    );
    const row = inserted.rows[0];
    if (row) {
      const event = await write({
        runId,
        eventType: 'hook_created',
        correlationId: hookId,
        eventData: data.eventData,
        specVersion,
      });
      return { event, hook: toHook(row) };
    }
    const sameHook = await client.query(`SELECT 1 FROM ${tables.hooks} WHERE hook_id = $1`, [
      hookId,
    ]);
    if (sameHook.rowCount) throw new EntityConflictError(`Hook "${hookId}" already exists`);
    const holder = await client.query<{ run_id: string }>(
      `SELECT run_id FROM ${tables.hooks} WHERE token = $1`,
      [token],
    );
    const conflictingRunId = holder.rows[0]?.run_id;
    if (conflictingRunId) {
      const event = await write({
        runId,
        eventType: 'hook_conflict',
        correlationId: hookId,
        eventData: { token, conflictingRunId },
        specVersion,
      });
      return { event };
    }
  }
  throw new EntityConflictError(`Hook "${hookId}" could not claim its token; try again`);
}

function toDate(value: Date | string | number): Date {
  return value instanceof Date ? value : new Date(value);
}
