import { EntityConflictError } from '@workflow/errors';
import {
  type CreateEventParams,
  type CreateEventRequest,
  type Event,
  type EventResult,
  type RunCreatedEventRequest,
  stripEventDataRefs,
} from '@workflow/world';
import {
  type Acceptance,
  acceptedOrThrow,
  decide,
  type EntityWrite,
  type EventFacts,
} from '@worldkit/core';
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
import { markerAdvance } from './state-guard.js';

type AnyEventRequest = CreateEventRequest | RunCreatedEventRequest;
type Client = pg.PoolClient;

/** Monotonic within the process, so a run's event ids sort in the order its events commit. */
const nextUlid = monotonicFactory();

/** Most rounds of deciding again after losing an insert to a concurrent writer. */
const MAX_ROUNDS = 3;

/**
 * Writes one event and its entity change in the caller's transaction (docs/contract.md): the
 * facts are loaded with the run row locked (`SELECT … FOR UPDATE`), so writers of one run are
 * serialized, the shared state machine (`decide`, `@worldkit/core`) decides, and the plan is
 * applied. Every write is conditional on the facts it was decided on, and one that finds them
 * changed writes nothing; the event is then decided again on fresh facts. That covers a creation
 * that lost to a concurrent writer (`ON CONFLICT DO NOTHING`: a run created twice, a token
 * claimed by another run), and a step, hook or wait changed by the writer this one waited for
 * on the run lock (under READ COMMITTED the locking query re-reads the run row it waited for,
 * but the rows it joined come from before the wait; the next statement sees them as they are).
 */
export async function createEventInTransaction(
  client: Client,
  tables: TableNames,
  runId: string | null,
  data: AnyEventRequest,
  params: CreateEventParams | undefined,
): Promise<EventResult> {
  const now = new Date();
  const creating = data.eventType === 'run_created';
  const targetRunId = runId ?? (creating ? `wrun_${nextUlid()}` : '');
  for (let round = 1; ; round++) {
    // A new run's facts are known without a query (it does not exist); a lost insert says otherwise.
    const facts =
      (creating && round === 1) || !runId
        ? { now, runId: targetRunId }
        : await loadFacts(client, tables, targetRunId, data, now);
    const plan = acceptedOrThrow(decide(facts, { runId, event: data, params }));
    const result = await applyPlan(client, tables, facts, plan, params, now);
    if (result) return result;
    if (round >= MAX_ROUNDS) {
      throw new EntityConflictError(
        `${data.eventType} for run "${targetRunId}" kept losing to concurrent writers; try again`,
      );
    }
  }
}

interface FactsRow {
  status: RunRow['status'];
  spec_version: number | null;
  external_update_at: number;
  step_status: StepRow['status'] | null;
  step_attempt: number | null;
  step_started_at: Date | null;
  step_retry_after: Date | null;
  hook_run_id: string | null;
  hook_token: string | null;
  holder_run_id: string | null;
  holder_hook_id: string | null;
  wait_status: WaitRow['status'] | null;
}

/** The run, locked, with the step, hook, token holder or wait the event targets: one query. */
async function loadFacts(
  client: Client,
  tables: TableNames,
  runId: string,
  data: AnyEventRequest,
  now: Date,
): Promise<EventFacts> {
  const id = 'correlationId' in data ? data.correlationId : null;
  const family = data.eventType.slice(0, 4);
  const token = data.eventType === 'hook_created' ? data.eventData.token : null;
  const found = await client.query<FactsRow>(
    `SELECT r.status, r.spec_version, r.external_update_at::float8 AS external_update_at,
       s.status AS step_status, s.attempt AS step_attempt, s.started_at AS step_started_at,
       s.retry_after AS step_retry_after, h.run_id AS hook_run_id, h.token AS hook_token,
       t.run_id AS holder_run_id, t.hook_id AS holder_hook_id, w.status AS wait_status
     FROM ${tables.runs} r
     LEFT JOIN ${tables.steps} s ON s.run_id = r.run_id AND s.step_id = $2
     LEFT JOIN ${tables.hooks} h ON h.hook_id = $3
     LEFT JOIN ${tables.hooks} t ON t.token = $4
     LEFT JOIN ${tables.waits} w ON w.run_id = r.run_id AND w.wait_id = $5
     WHERE r.run_id = $1
     FOR UPDATE OF r`,
    [
      runId,
      family === 'step' ? id : null,
      family === 'hook' ? id : null,
      token,
      family === 'wait' ? id : null,
    ],
  );
  const row = found.rows[0];
  const facts: EventFacts = { now, runId };
  if (!row) return facts;
  facts.run = {
    status: row.status,
    specVersion: row.spec_version,
    externalUpdateAt: row.external_update_at,
  };
  if (row.step_status) {
    facts.step = {
      status: row.step_status,
      attempt: row.step_attempt ?? 0,
      ...(row.step_started_at ? { startedAt: row.step_started_at } : {}),
      ...(row.step_retry_after ? { retryAfter: row.step_retry_after } : {}),
    };
  }
  if (row.hook_run_id) facts.hook = { runId: row.hook_run_id, token: row.hook_token as string };
  if (row.holder_run_id) {
    facts.tokenHolder = { runId: row.holder_run_id, hookId: row.holder_hook_id as string };
  }
  if (row.wait_status) facts.wait = { status: row.wait_status };
  return facts;
}

interface Written {
  run?: RunRow;
  step?: StepRow;
  hook?: HookRow;
  wait?: WaitRow;
}

/**
 * Applies an accepted plan: its entity write (a plan has at most one), then the events in one
 * insert. Returns undefined when a write found its facts changed (see above).
 */
async function applyPlan(
  client: Client,
  tables: TableNames,
  facts: EventFacts,
  plan: Acceptance,
  params: CreateEventParams | undefined,
  now: Date,
): Promise<EventResult | undefined> {
  const written: Written = {};
  for (const write of plan.writes) {
    const row = await applyWrite(client, tables, facts, plan.runId, write);
    if (!row) return undefined;
    written[write.entity] = row as never;
  }
  const events = await insertEvents(client, tables, facts, plan, params, now);
  if (!events) return undefined;
  const { entity, resolveData, preloadEvents, maxEvents } = plan.respond;
  const event = events.at(-1);
  const result: EventResult = { event: event && stripEventDataRefs(event, resolveData) };
  if (entity === 'run') {
    result.run = toRun(written.run ?? (await readRun(client, tables, plan.runId)));
    result.maxEvents = maxEvents;
  }
  if (entity === 'step' && written.step) result.step = toStep(written.step);
  if (entity === 'hook' && written.hook) result.hook = toHook(written.hook);
  if (entity === 'wait' && written.wait) result.wait = toWait(written.wait);
  if (preloadEvents) Object.assign(result, await preloadLog(client, tables, plan.runId));
  return result;
}

/** One entity write; the row as written, or undefined when its facts changed. */
async function applyWrite(
  client: Client,
  tables: TableNames,
  facts: EventFacts,
  runId: string,
  write: EntityWrite,
): Promise<RunRow | StepRow | HookRow | WaitRow | true | undefined> {
  const first = async <R extends pg.QueryResultRow>(text: string, values: unknown[]) =>
    (await query<R>(client, text, values)).rows[0];
  switch (`${write.entity}.${write.op}`) {
    case 'run.create': {
      const { run } = write as Extract<EntityWrite, { entity: 'run'; op: 'create' }>;
      return first<RunRow>(
        `INSERT INTO ${tables.runs} (run_id, deployment_id, workflow_name, status, spec_version,
           execution_context, input, started_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9, $9)
         ON CONFLICT (run_id) DO NOTHING
         RETURNING ${runColumns(true)}`,
        [
          run.runId,
          run.deploymentId,
          run.workflowName,
          run.status,
          run.specVersion,
          toStoredJson(run.executionContext),
          toStoredJson(run.input),
          run.startedAt ?? null,
          run.createdAt,
        ],
      );
    }
    case 'run.update': {
      const { update } = write as Extract<EntityWrite, { entity: 'run'; op: 'update' }>;
      const set = new Assignments([runId]);
      set.add('status', update.status);
      set.add('updated_at', update.updatedAt);
      // The first start only: a backend keeps a startedAt it already has.
      if (update.startedAt) set.add('started_at', update.startedAt, 'COALESCE(started_at, $)');
      if (update.completedAt) set.add('completed_at', update.completedAt);
      if ('output' in update) set.add('output', toStoredJson(update.output), '$::jsonb');
      if (update.error) set.add('error', toStoredJson(update.error), '$::jsonb');
      // A run ending releases its hook tokens and pending waits in the same statement.
      const release = update.releaseHooksAndWaits
        ? `WITH released_hooks AS (DELETE FROM ${tables.hooks} WHERE run_id = $1),
             released_waits AS (DELETE FROM ${tables.waits} WHERE run_id = $1) `
        : '';
      return first<RunRow>(
        `${release}UPDATE ${tables.runs} SET ${set.sql()} WHERE run_id = $1
         RETURNING ${runColumns(true)}`,
        set.values,
      );
    }
    case 'step.create': {
      const { step } = write as Extract<EntityWrite, { entity: 'step'; op: 'create' }>;
      return first<StepRow>(
        `INSERT INTO ${tables.steps}
           (run_id, step_id, step_name, status, attempt, input, spec_version, created_at, updated_at)
         VALUES ($1, $2, $3, 'pending', 0, $4::jsonb, $5, $6, $6)
         ON CONFLICT (run_id, step_id) DO NOTHING
         RETURNING ${stepColumns(true)}`,
        [
          runId,
          step.stepId,
          step.stepName,
          toStoredJson(step.input),
          step.specVersion,
          step.createdAt,
        ],
      );
    }
    case 'step.update': {
      const { stepId, update } = write as Extract<EntityWrite, { entity: 'step'; op: 'update' }>;
      const set = new Assignments([runId, stepId]);
      set.add('status', update.status);
      set.add('updated_at', update.updatedAt);
      if (update.attempt !== undefined) set.add('attempt', update.attempt);
      if (update.startedAt) set.add('started_at', update.startedAt);
      if (update.completedAt) set.add('completed_at', update.completedAt);
      if ('output' in update) set.add('output', toStoredJson(update.output), '$::jsonb');
      if (update.error) set.add('error', toStoredJson(update.error), '$::jsonb');
      if (update.retryAfter !== undefined) set.add('retry_after', update.retryAfter);
      const seen = set.values.length;
      set.values.push(facts.step?.status, facts.step?.attempt);
      return first<StepRow>(
        `UPDATE ${tables.steps} SET ${set.sql()}
         WHERE run_id = $1 AND step_id = $2 AND status = $${seen + 1} AND attempt = $${seen + 2}
         RETURNING ${stepColumns(true)}`,
        set.values,
      );
    }
    case 'hook.create': {
      const { hook } = write as Extract<EntityWrite, { entity: 'hook'; op: 'create' }>;
      // No conflict target: a taken hook id or token (unique among live hooks) both lose.
      return first<HookRow>(
        `INSERT INTO ${tables.hooks} (hook_id, run_id, token, metadata, is_webhook, spec_version, created_at)
         VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7)
         ON CONFLICT DO NOTHING
         RETURNING ${hookColumns(true)}`,
        [
          hook.hookId,
          runId,
          hook.token,
          toStoredJson(hook.metadata),
          hook.isWebhook,
          hook.specVersion,
          hook.createdAt,
        ],
      );
    }
    case 'hook.delete': {
      const { hookId } = write as Extract<EntityWrite, { entity: 'hook'; op: 'delete' }>;
      const deleted = await client.query(
        `DELETE FROM ${tables.hooks} WHERE hook_id = $1 AND run_id = $2`,
        [hookId, runId],
      );
      return deleted.rowCount ? true : undefined;
    }
    case 'wait.create': {
      const { wait } = write as Extract<EntityWrite, { entity: 'wait'; op: 'create' }>;
      return first<WaitRow>(
        `INSERT INTO ${tables.waits}
           (run_id, wait_id, status, resume_at, spec_version, created_at, updated_at)
         VALUES ($1, $2, 'waiting', $3, $4, $5, $5)
         ON CONFLICT (run_id, wait_id) DO NOTHING
         RETURNING ${WAIT_COLUMNS}`,
        [runId, wait.waitId, wait.resumeAt, wait.specVersion, wait.createdAt],
      );
    }
    default: {
      const { waitId, completedAt } = write as Extract<EntityWrite, { op: 'complete' }>;
      return first<WaitRow>(
        `UPDATE ${tables.waits} SET status = 'completed', completed_at = $3, updated_at = $3
         WHERE run_id = $1 AND wait_id = $2 AND status = 'waiting'
         RETURNING ${WAIT_COLUMNS}`,
        [runId, waitId, completedAt],
      );
    }
  }
}

/** `SET` clauses with numbered parameters after the ones the `WHERE` clause uses. */
class Assignments {
  private readonly clauses: string[] = [];
  constructor(readonly values: unknown[]) {}
  add(column: string, value: unknown, expression = '$'): void {
    this.values.push(value);
    this.clauses.push(`${column} = ${expression.replace('$', `$${this.values.length}`)}`);
  }
  sql(): string {
    return this.clauses.join(', ');
  }
}

/**
 * The plan's events in one insert. An external result moves the run's guard marker in the same
 * statement (`state-guard.ts`). A `hook_received` lands only while its hook exists; undefined
 * when it no longer does.
 */
async function insertEvents(
  client: Client,
  tables: TableNames,
  facts: EventFacts,
  plan: Acceptance,
  params: CreateEventParams | undefined,
  createdAt: Date,
): Promise<Event[] | undefined> {
  if (plan.events.length === 0) return [];
  const values: unknown[] = [];
  const rows: string[] = [];
  const events: Event[] = [];
  let marker: number | undefined;
  for (const planned of plan.events) {
    const eventId = `evnt_${nextUlid()}`;
    const at = values.length;
    values.push(
      eventId,
      plan.runId,
      planned.eventType,
      planned.correlationId ?? null,
      toStoredJson(planned.eventData),
      planned.specVersion,
      createdAt,
      planned.occurredAt ?? null,
    );
    const $ = (offset: number) => `$${at + offset}`;
    rows.push(
      `(${$(1)}::text, ${$(2)}::text, ${$(3)}::text, ${$(4)}::text, ${$(5)}::jsonb, ` +
        `${$(6)}::integer, ${$(7)}::timestamptz, ${$(8)}::timestamptz)`,
    );
    marker = markerAdvance(planned.eventType, eventId, params) ?? marker;
    events.push({
      eventType: planned.eventType,
      runId: plan.runId,
      eventId,
      createdAt,
      specVersion: planned.specVersion,
      ...(planned.correlationId !== undefined ? { correlationId: planned.correlationId } : {}),
      ...(planned.eventData !== undefined ? { eventData: planned.eventData } : {}),
      ...(planned.occurredAt ? { occurredAt: planned.occurredAt } : {}),
    } as Event);
  }
  let advance = '';
  if (marker !== undefined) {
    values.push(marker);
    advance = `WITH advanced AS (
        UPDATE ${tables.runs} SET external_update_at = GREATEST(external_update_at, $${values.length}::bigint)
        WHERE run_id = $2)
      `;
  }
  let guard = '';
  if (facts.hook && plan.events.some((event) => event.eventType === 'hook_received')) {
    values.push(facts.hook.runId, plan.events[0]?.correlationId);
    guard = `WHERE EXISTS (SELECT 1 FROM ${tables.hooks}
      WHERE run_id = $${values.length - 1} AND hook_id = $${values.length})`;
  }
  const inserted = await client.query(
    `${advance}INSERT INTO ${tables.events}
       (event_id, run_id, event_type, correlation_id, event_data, spec_version, created_at, occurred_at)
     SELECT * FROM (VALUES ${rows.join(', ')}) AS planned ${guard}`,
    values,
  );
  if (inserted.rowCount !== events.length) return undefined;
  return events;
}

async function readRun(client: Client, tables: TableNames, runId: string): Promise<RunRow> {
  const result = await query<RunRow>(
    client,
    `SELECT ${runColumns(true)} FROM ${tables.runs} WHERE run_id = $1`,
    [runId],
  );
  return result.rows[0] as RunRow;
}

/** Most events a run_started response carries; longer logs are paged by the runtime itself. */
const PRELOADED_EVENTS = 1000;

/**
 * The run's log as of this transaction (under the run lock, so it is exactly what replay must
 * see), returned with run_started so the runtime skips its first `events.list` round trip.
 */
async function preloadLog(
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
