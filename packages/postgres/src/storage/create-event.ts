import { EntityConflictError } from '@workflow/errors';
import {
  type CreateEventParams,
  type CreateEventRequest,
  type Event,
  type EventResult,
  isTerminalWorkflowRunStatus,
  type RunCreatedEventRequest,
  stripEventDataRefs,
} from '@workflow/world';
import {
  type Acceptance,
  acceptedOrThrow,
  decide,
  type EventFacts,
  type RunFacts,
  type StepFacts,
  type WaitFacts,
} from '@worldkit/core';
import type pg from 'pg';
import { decodeTime, monotonicFactory } from 'ulid';
import { query } from '../connection/raw-json-types.js';
import type { TableNames } from '../connection/table-names.js';
import { inTransaction } from '../connection/transaction.js';
import {
  type EventRow,
  eventColumns,
  type HookRow,
  type RunRow,
  type StepRow,
  toEvent,
  toHook,
  toRun,
  toStep,
  toWait,
  type WaitRow,
} from './entity-rows.js';
import {
  type EventTarget,
  eventStatement,
  type FactsColumns,
  factsQuery,
} from './event-statement.js';
import type { KnownFacts } from './known-facts.js';

type AnyEventRequest = CreateEventRequest | RunCreatedEventRequest;

/** Monotonic within the process, so a run's event ids sort in the order its events commit. */
const nextUlid = monotonicFactory();

/**
 * Most rounds of deciding again after the facts changed under a plan. Writers of different
 * entities of one run do not invalidate each other (`event-statement.ts`), so a round is lost
 * only to a writer of the same step, hook or wait, or to a run-level change.
 */
const MAX_ROUNDS = 6;
/** Deadlock and serialization failures: the statement did nothing and can simply run again. */
const RETRYABLE_CODES = new Set(['40P01', '40001']);

/**
 * Writes one event and its entity change (docs/contract.md) in, normally, two round trips and
 * no explicit transaction: the facts are read (one statement, no lock), the shared state
 * machine (`decide`, `@worldkit/core`) decides, and the plan is applied by ONE statement that
 * locks the run row, checks that the facts the plan relied on still hold and only then writes
 * (`event-statement.ts`). If they no longer hold, that statement writes nothing and answers the
 * facts as they are now, and the event is decided again on them — so the outcome is the one
 * the writers would have had queueing on the run lock, as before, with the lock held for one
 * statement instead of a whole transaction.
 */
export async function createEvent(
  pool: pg.Pool,
  tables: TableNames,
  known: KnownFacts,
  runId: string | null,
  data: AnyEventRequest,
  params: CreateEventParams | undefined,
): Promise<EventResult> {
  const now = new Date();
  const creating = data.eventType === 'run_created';
  const target = eventTarget(runId ?? (creating ? `wrun_${nextUlid()}` : ''), data);
  // A new run's facts are known without a query (it does not exist); a lost insert says otherwise.
  let guessed = false;
  let facts: EventFacts;
  if (creating || !runId) {
    facts = { now, runId: target.runId };
  } else {
    const guess = known.guess(target, now);
    guessed = guess !== undefined;
    facts = guess ?? (await readFacts(pool, tables, known, target, now));
  }
  for (let round = 1; ; round++) {
    const decided = decide(facts, { runId, event: data, params });
    if (decided.kind === 'reject' && guessed) {
      // A refusal is never given on a guess: read the facts and decide on them.
      facts = await readFacts(pool, tables, known, target, now);
      guessed = false;
      continue;
    }
    const plan = acceptedOrThrow(decided);
    const applied = await applyPlan(pool, tables, known, target, facts, plan, params, now);
    if (applied.result) return applied.result;
    facts = applied.facts;
    guessed = false;
    if (round >= MAX_ROUNDS) {
      throw new EntityConflictError(
        `${data.eventType} for run "${target.runId}" kept losing to concurrent writers; try again`,
      );
    }
  }
}

function eventTarget(runId: string, data: AnyEventRequest): EventTarget {
  const id = ('correlationId' in data && data.correlationId) || null;
  const family = data.eventType.slice(0, 4);
  return {
    runId,
    family,
    stepId: family === 'step' ? id : null,
    hookId: family === 'hook' ? id : null,
    token: data.eventType === 'hook_created' ? data.eventData.token : null,
    waitId: family === 'wait' ? id : null,
  };
}

async function readFacts(
  pool: pg.Pool,
  tables: TableNames,
  known: KnownFacts,
  target: EventTarget,
  now: Date,
): Promise<EventFacts> {
  const { text, values } = factsQuery(tables, target);
  const found = await query<FactsColumns>(pool, text, values);
  const facts = toFacts(found.rows[0], target.runId, now);
  known.remember(target, facts);
  return facts;
}

/** `f_*` columns as `decide` reads them; no row (or a null status) means no run. */
function toFacts(row: FactsColumns | undefined, runId: string, now: Date): EventFacts {
  const facts: EventFacts = { now, runId };
  if (!row?.f_status) return facts;
  facts.run = {
    status: row.f_status,
    specVersion: row.f_spec_version,
    externalUpdateAt: row.f_external_update_at ?? 0,
  };
  if (row.f_step_status) {
    facts.step = {
      status: row.f_step_status,
      attempt: row.f_step_attempt ?? 0,
      ...(row.f_step_started_at ? { startedAt: row.f_step_started_at } : {}),
      ...(row.f_step_retry_after ? { retryAfter: row.f_step_retry_after } : {}),
    };
  }
  if (row.f_hook_run_id) {
    facts.hook = { runId: row.f_hook_run_id, token: row.f_hook_token as string };
  }
  if (row.f_holder_run_id) {
    facts.tokenHolder = { runId: row.f_holder_run_id, hookId: row.f_holder_hook_id as string };
  }
  if (row.f_wait_status) facts.wait = { status: row.f_wait_status };
  return facts;
}

type AnswerRow = FactsColumns & {
  wk_ok: number;
  wk_written: number;
  wk_inserted: number;
  wk_event_ids: string[];
} & Partial<RunRow & StepRow & HookRow & WaitRow>;

/**
 * Applies an accepted plan with one statement. Answers the result, or — when the facts had
 * changed or a write lost to a concurrent one — the facts as they are now, to decide again.
 */
async function applyPlan(
  pool: pg.Pool,
  tables: TableNames,
  known: KnownFacts,
  target: EventTarget,
  facts: EventFacts,
  plan: Acceptance,
  params: CreateEventParams | undefined,
  now: Date,
): Promise<{ result: EventResult; facts?: undefined } | { result?: undefined; facts: EventFacts }> {
  const proposed = plan.events.map((planned) => ({ proposedId: `evnt_${nextUlid()}`, planned }));
  const statement = eventStatement(tables, target, facts, plan, proposed, params, now);
  const { resolveData, preloadEvents } = plan.respond;
  // A repeated run_started writes nothing, so its log can be read alongside (one round trip);
  // a first one is read after its event lands.
  const alongside =
    preloadEvents && proposed.length === 0 ? preloadLog(pool, tables, plan.runId) : undefined;
  alongside?.catch(() => undefined);
  const write = plan.writes[0];
  const releasing =
    write?.entity === 'run' && write.op === 'update' && write.update.releaseHooksAndWaits;
  const row = releasing
    ? await lockedStatement<AnswerRow>(pool, tables, plan.runId, statement.text, statement.values)
    : await runStatement<AnswerRow>(pool, statement.text, statement.values);
  const applied = row.wk_ok === 1 && row.wk_written > 0 && row.wk_inserted === proposed.length;
  if (!applied) {
    const current = toFacts(row, target.runId, now);
    known.remember(target, current);
    return { facts: current };
  }
  // The ids the statement issued under the run lock (usually the proposed ones).
  const issued = row.wk_event_ids;
  const markerId =
    statement.markerPosition === undefined ? undefined : issued[statement.markerPosition - 1];
  const marker = markerId === undefined ? undefined : decodeTime(markerId.slice('evnt_'.length));
  rememberWritten(known, target, plan, row, marker, now);

  const events = proposed.map(({ planned }, index) =>
    toWrittenEvent(plan.runId, issued[index] as string, planned, now),
  );
  const event = events.at(-1);
  const result: EventResult = { event: event && stripEventDataRefs(event, resolveData) };
  const { entity, maxEvents } = plan.respond;
  if (entity === 'run') {
    result.run = toRun(row as RunRow);
    result.maxEvents = maxEvents;
  }
  if (entity === 'step' && write?.entity === 'step') result.step = toStep(row as StepRow);
  if (entity === 'hook' && write?.entity === 'hook') result.hook = toHook(row as HookRow);
  if (entity === 'wait' && write?.entity === 'wait') result.wait = toWait(row as WaitRow);
  if (preloadEvents) {
    Object.assign(result, await (alongside ?? preloadLog(pool, tables, plan.runId)));
  }
  return { result };
}

/** The facts after an applied write: the ones it was checked against, changed by the plan. */
function rememberWritten(
  known: KnownFacts,
  target: EventTarget,
  plan: Acceptance,
  row: AnswerRow,
  marker: number | undefined,
  now: Date,
): void {
  const facts = toFacts(row, target.runId, now);
  const write = plan.writes[0];
  if (write && write.op !== 'delete' && write.entity !== plan.respond.entity) {
    // The statement did not answer the written row: guess nothing about this target.
    known.forgetRun(target.runId);
    return;
  }
  if (write?.entity === 'run') {
    const status = row.status as RunFacts['status'];
    if (isTerminalWorkflowRunStatus(status)) {
      known.forgetRun(target.runId);
      return;
    }
    facts.run = {
      status,
      specVersion: row.spec_version ?? null,
      externalUpdateAt: facts.run?.externalUpdateAt ?? 0,
    };
  } else if (facts.run && marker !== undefined) {
    facts.run = {
      ...facts.run,
      externalUpdateAt: Math.max(facts.run.externalUpdateAt ?? 0, marker),
    };
  }
  if (write?.entity === 'step') {
    facts.step = {
      status: row.status as StepFacts['status'],
      attempt: row.attempt ?? 0,
      ...(row.started_at ? { startedAt: row.started_at } : {}),
      ...(row.retry_after ? { retryAfter: row.retry_after } : {}),
    };
  }
  if (write?.entity === 'hook') {
    if (write.op === 'delete') {
      known.forgetHook(write.hookId, write.token);
      delete facts.hook;
      delete facts.tokenHolder;
    } else {
      facts.hook = { runId: plan.runId, token: write.hook.token };
      facts.tokenHolder = { runId: plan.runId, hookId: write.hook.hookId };
    }
  }
  if (write?.entity === 'wait') facts.wait = { status: row.status as WaitFacts['status'] };
  known.remember(target, facts);
}

/** Runs the event statement, again after a deadlock or serialization failure (it did nothing). */
async function runStatement<R extends pg.QueryResultRow>(
  pool: pg.Pool,
  text: string,
  values: unknown[],
): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await query<R>(pool, text, values)).rows[0] as R;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (attempt < 4 && code && RETRYABLE_CODES.has(code)) continue;
      throw error;
    }
  }
}

/**
 * The event statement after taking the run lock in a transaction of its own. A run that ends
 * deletes its hooks and waits, and a DELETE sees the rows of its statement's snapshot: in one
 * statement that waited for the lock, a hook created by the writer it waited for would be
 * missed and outlive its run. Locked first, the statement's snapshot is taken after every
 * earlier writer committed. Runs end once, so this costs three more round trips per run.
 */
async function lockedStatement<R extends pg.QueryResultRow>(
  pool: pg.Pool,
  tables: TableNames,
  runId: string,
  text: string,
  values: unknown[],
): Promise<R> {
  return inTransaction(pool, async (client) => {
    await client.query(`SELECT 1 FROM ${tables.runs} WHERE run_id = $1 FOR UPDATE`, [runId]);
    return (await query<R>(client, text, values)).rows[0] as R;
  });
}

function toWrittenEvent(
  runId: string,
  eventId: string,
  planned: Acceptance['events'][number],
  createdAt: Date,
): Event {
  return {
    eventType: planned.eventType,
    runId,
    eventId,
    createdAt,
    specVersion: planned.specVersion,
    ...(planned.correlationId !== undefined ? { correlationId: planned.correlationId } : {}),
    ...(planned.eventData !== undefined ? { eventData: planned.eventData } : {}),
    ...(planned.occurredAt ? { occurredAt: planned.occurredAt } : {}),
  } as Event;
}

/** Most events a run_started response carries; longer logs are paged by the runtime itself. */
const PRELOADED_EVENTS = 1000;

/**
 * The run's log, read right after the run_started write, returned with it so the runtime skips
 * its first `events.list` round trip. Read after the write commits, it holds at least every
 * event up to this one (and perhaps newer ones: the same as an `events.list` a moment later).
 */
async function preloadLog(
  client: pg.Pool,
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
