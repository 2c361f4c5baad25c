import type { CreateEventParams } from '@workflow/world';
import type { Acceptance, EntityWrite, EventFacts, RunFacts } from '@worldkit/core';
import type { TableNames } from '../connection/table-names.js';
import { toStoredJson } from '../stored-json.js';
import { hookColumns, runColumns, stepColumns, WAIT_COLUMNS } from './entity-rows.js';
import { markerAdvance } from './state-guard.js';

/** What an event targets besides its run: the ids the facts are loaded for. */
export interface EventTarget {
  runId: string;
  family: string;
  stepId: string | null;
  hookId: string | null;
  token: string | null;
  waitId: string | null;
}

/** The facts as columns (`f_*`), shared by the plain read and the write statement. */
export interface FactsColumns {
  f_status: RunFacts['status'] | null;
  f_spec_version: number | null;
  f_external_update_at: number | null;
  f_step_status: NonNullable<EventFacts['step']>['status'] | null;
  f_step_attempt: number | null;
  f_step_started_at: Date | null;
  f_step_retry_after: Date | null;
  f_hook_run_id: string | null;
  f_hook_token: string | null;
  f_holder_run_id: string | null;
  f_holder_hook_id: string | null;
  f_wait_status: NonNullable<EventFacts['wait']>['status'] | null;
}

/** Numbered parameters, added as the statement is written. */
class Parameters {
  readonly values: unknown[] = [];
  add(value: unknown, cast?: string): string {
    this.values.push(value);
    return `$${this.values.length}${cast ? `::${cast}` : ''}`;
  }
}

/**
 * The facts `decide` reads, from the run row `run` (locked or not) and the step, hook, token
 * holder and wait the event targets, as `f_*` columns.
 */
function factsSelect(tables: TableNames, target: EventTarget, p: Parameters, from: string): string {
  return `SELECT r.status AS f_status, r.spec_version AS f_spec_version,
       r.external_update_at::float8 AS f_external_update_at,
       s.status AS f_step_status, s.attempt AS f_step_attempt, s.started_at AS f_step_started_at,
       s.retry_after AS f_step_retry_after, h.run_id AS f_hook_run_id, h.token AS f_hook_token,
       t.run_id AS f_holder_run_id, t.hook_id AS f_holder_hook_id, w.status AS f_wait_status
     FROM ${from} r
     LEFT JOIN ${tables.steps} s ON s.run_id = r.run_id AND s.step_id = ${p.add(target.stepId, 'text')}
     LEFT JOIN ${tables.hooks} h ON h.hook_id = ${p.add(target.hookId, 'text')}
     LEFT JOIN ${tables.hooks} t ON t.token = ${p.add(target.token, 'text')}
     LEFT JOIN ${tables.waits} w ON w.run_id = r.run_id AND w.wait_id = ${p.add(target.waitId, 'text')}`;
}

/** One statement that reads the facts (no lock): the first round's input to `decide`. */
export function factsQuery(tables: TableNames, target: EventTarget) {
  const p = new Parameters();
  const run = p.add(target.runId);
  const text = factsSelect(
    tables,
    target,
    p,
    `(SELECT run_id, status, spec_version, external_update_at FROM ${tables.runs} WHERE run_id = ${run})`,
  );
  return { text, values: p.values };
}

/**
 * The condition that the facts a plan was decided on still hold, over the `facts` CTE. Only
 * what `decide` read for this event is compared: the run's status and spec version (its
 * guard marker only when the request carries `stateUpdatedAt`), and the targeted entity. So
 * writers of different steps of one run never invalidate each other's plans: they only queue
 * on the run row lock.
 */
function stillHolds(
  facts: EventFacts,
  target: EventTarget,
  params: CreateEventParams | undefined,
  p: Parameters,
): string {
  if (!facts.run) return 'SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM run)';
  const same = (column: string, value: unknown, cast: string) =>
    `${column} IS NOT DISTINCT FROM ${p.add(value ?? null, cast)}`;
  const conditions = [
    same('f_status', facts.run.status, 'text'),
    same('f_spec_version', facts.run.specVersion ?? null, 'integer'),
  ];
  if (params?.stateUpdatedAt !== undefined) {
    conditions.push(
      `COALESCE(f_external_update_at, 0) = ${p.add(facts.run.externalUpdateAt ?? 0, 'float8')}`,
    );
  }
  if (target.family === 'step') {
    conditions.push(
      same('f_step_status', facts.step?.status, 'text'),
      same('f_step_attempt', facts.step?.attempt, 'integer'),
      // To the millisecond: what a JavaScript Date read back from the row carries.
      same("date_trunc('milliseconds', f_step_started_at)", facts.step?.startedAt, 'timestamptz'),
      same("date_trunc('milliseconds', f_step_retry_after)", facts.step?.retryAfter, 'timestamptz'),
    );
  }
  if (target.family === 'hook') {
    conditions.push(
      same('f_hook_run_id', facts.hook?.runId, 'text'),
      same('f_hook_token', facts.hook?.token, 'text'),
      same('f_holder_run_id', facts.tokenHolder?.runId, 'text'),
      same('f_holder_hook_id', facts.tokenHolder?.hookId, 'text'),
    );
  }
  if (target.family === 'wait') conditions.push(same('f_wait_status', facts.wait?.status, 'text'));
  return `SELECT 1 FROM facts WHERE ${conditions.join(' AND ')}`;
}

const OK = 'EXISTS (SELECT 1 FROM ok)';
/** The last id the statement issues (`ids` CTE), or NULL for a plan without events. */
const NEWEST_ID = '(SELECT ids[cardinality(ids)] FROM ids)';

/** The plan's one entity write as a data-modifying CTE, done only while the facts hold. */
function writeStatement(
  tables: TableNames,
  facts: EventFacts,
  runId: string,
  write: EntityWrite,
  p: Parameters,
): string {
  const run = p.add(runId, 'text');
  switch (write.entity) {
    case 'run': {
      if (write.op === 'create') {
        const { run: created } = write;
        return `INSERT INTO ${tables.runs} (run_id, deployment_id, workflow_name, status, spec_version,
             execution_context, input, started_at, created_at, updated_at, last_event_id)
           SELECT ${run}, ${p.add(created.deploymentId, 'text')}, ${p.add(created.workflowName, 'text')},
             ${p.add(created.status, 'text')}, ${p.add(created.specVersion, 'integer')},
             ${p.add(toStoredJson(created.executionContext), 'jsonb')}, ${p.add(toStoredJson(created.input), 'jsonb')},
             ${p.add(created.startedAt ?? null, 'timestamptz')}, ${p.add(created.createdAt, 'timestamptz')},
             ${p.add(created.createdAt, 'timestamptz')}, ${NEWEST_ID}
           WHERE ${OK}
           ON CONFLICT (run_id) DO NOTHING
           RETURNING ${runColumns(true)}`;
      }
      const { update } = write;
      const set = [
        `status = ${p.add(update.status, 'text')}`,
        `updated_at = ${p.add(update.updatedAt, 'timestamptz')}`,
      ];
      // The first start only: a backend keeps a startedAt it already has.
      if (update.startedAt) {
        set.push(`started_at = COALESCE(started_at, ${p.add(update.startedAt, 'timestamptz')})`);
      }
      if (update.completedAt) {
        set.push(`completed_at = ${p.add(update.completedAt, 'timestamptz')}`);
      }
      if ('output' in update) set.push(`output = ${p.add(toStoredJson(update.output), 'jsonb')}`);
      if (update.error) set.push(`error = ${p.add(toStoredJson(update.error), 'jsonb')}`);
      // The run row is written once per statement: its newest event id moves here too.
      set.push(`last_event_id = COALESCE(${NEWEST_ID}, last_event_id)`);
      return `UPDATE ${tables.runs} SET ${set.join(', ')} WHERE run_id = ${run} AND ${OK}
         RETURNING ${runColumns(true)}`;
    }
    case 'step': {
      if (write.op === 'create') {
        const { step } = write;
        const at = p.add(step.createdAt, 'timestamptz');
        return `INSERT INTO ${tables.steps}
             (run_id, step_id, step_name, status, attempt, input, spec_version, created_at, updated_at)
           SELECT ${run}, ${p.add(step.stepId, 'text')}, ${p.add(step.stepName, 'text')}, 'pending', 0,
             ${p.add(toStoredJson(step.input), 'jsonb')}, ${p.add(step.specVersion, 'integer')}, ${at}, ${at}
           WHERE ${OK}
           ON CONFLICT (run_id, step_id) DO NOTHING
           RETURNING ${stepColumns(true)}`;
      }
      const { stepId, update } = write;
      const set = [
        `status = ${p.add(update.status, 'text')}`,
        `updated_at = ${p.add(update.updatedAt, 'timestamptz')}`,
      ];
      if (update.attempt !== undefined) set.push(`attempt = ${p.add(update.attempt, 'integer')}`);
      if (update.startedAt) set.push(`started_at = ${p.add(update.startedAt, 'timestamptz')}`);
      if (update.completedAt) {
        set.push(`completed_at = ${p.add(update.completedAt, 'timestamptz')}`);
      }
      if ('output' in update) set.push(`output = ${p.add(toStoredJson(update.output), 'jsonb')}`);
      if (update.error) set.push(`error = ${p.add(toStoredJson(update.error), 'jsonb')}`);
      if (update.retryAfter !== undefined) {
        set.push(`retry_after = ${p.add(update.retryAfter, 'timestamptz')}`);
      }
      // Conditional on the step as decided on: the run lock orders writers of one run, and an
      // update re-reads a row changed while it waited, so a stale plan changes nothing.
      return `UPDATE ${tables.steps} SET ${set.join(', ')}
         WHERE run_id = ${run} AND step_id = ${p.add(stepId, 'text')}
           AND status = ${p.add(facts.step?.status ?? null, 'text')}
           AND attempt = ${p.add(facts.step?.attempt ?? null, 'integer')} AND ${OK}
         RETURNING ${stepColumns(true)}`;
    }
    case 'hook': {
      if (write.op === 'delete') {
        return `DELETE FROM ${tables.hooks}
           WHERE hook_id = ${p.add(write.hookId, 'text')} AND run_id = ${run} AND ${OK}
           RETURNING hook_id`;
      }
      const { hook } = write;
      // No conflict target: a taken hook id or token (unique among live hooks) both lose.
      return `INSERT INTO ${tables.hooks} (hook_id, run_id, token, metadata, is_webhook, spec_version, created_at)
         SELECT ${p.add(hook.hookId, 'text')}, ${run}, ${p.add(hook.token, 'text')},
           ${p.add(toStoredJson(hook.metadata), 'jsonb')}, ${p.add(hook.isWebhook, 'boolean')},
           ${p.add(hook.specVersion, 'integer')}, ${p.add(hook.createdAt, 'timestamptz')}
         WHERE ${OK}
         ON CONFLICT DO NOTHING
         RETURNING ${hookColumns(true)}`;
    }
    case 'wait': {
      if (write.op === 'create') {
        const { wait } = write;
        const at = p.add(wait.createdAt, 'timestamptz');
        return `INSERT INTO ${tables.waits}
             (run_id, wait_id, status, resume_at, spec_version, created_at, updated_at)
           SELECT ${run}, ${p.add(wait.waitId, 'text')}, 'waiting', ${p.add(wait.resumeAt, 'timestamptz')},
             ${p.add(wait.specVersion, 'integer')}, ${at}, ${at}
           WHERE ${OK}
           ON CONFLICT (run_id, wait_id) DO NOTHING
           RETURNING ${WAIT_COLUMNS}`;
      }
      const at = p.add(write.completedAt, 'timestamptz');
      return `UPDATE ${tables.waits} SET status = 'completed', completed_at = ${at}, updated_at = ${at}
         WHERE run_id = ${run} AND wait_id = ${p.add(write.waitId, 'text')} AND status = 'waiting' AND ${OK}
         RETURNING ${WAIT_COLUMNS}`;
    }
  }
}

/** A planned event with the id its writer proposes (the statement may issue a later one). */
export interface ProposedEvent {
  proposedId: string;
  planned: Acceptance['events'][number];
}

/**
 * The whole event write as ONE statement (one round trip, atomic on its own): lock the run
 * row, re-read the facts, and — only if the facts the plan was decided on still hold — apply
 * the entity write, insert the events (only if the write took effect, and for a
 * `hook_received` only while its hook exists) and move the run's newest event id and guard
 * marker. It always answers one row: `wk_ok` (the facts held), `wk_inserted`, `wk_event_ids`
 * (the ids issued), the facts as they are now (`f_*`, for deciding again), and the entity as
 * written (or the run, for a plan that writes none).
 *
 * Ids are issued under the run lock (`worldkit_event_ids`, migration 0006): a proposed id that
 * does not sort after the run's newest is replaced by the next one after it, so a run's ids
 * sort in commit order even when writers proposed them in the other order.
 *
 * Under READ COMMITTED, the run row lock re-reads the run row if it waited for another
 * writer, but the rows joined to it come from before the wait; every write is therefore also
 * conditional on its own row (`ON CONFLICT DO NOTHING`, `WHERE status = … AND attempt = …`),
 * which PostgreSQL re-checks against the newest row version. A write that matched nothing
 * makes the statement change nothing, and the caller decides again on fresh facts.
 */
export function eventStatement(
  tables: TableNames,
  target: EventTarget,
  facts: EventFacts,
  plan: Acceptance,
  events: ProposedEvent[],
  params: CreateEventParams | undefined,
  createdAt: Date,
) {
  if (plan.writes.length > 1) {
    throw new Error(`a plan with ${plan.writes.length} entity writes cannot be one statement`);
  }
  const p = new Parameters();
  const runId = p.add(plan.runId, 'text');
  // 1-based position of the event that moves the guard marker (the last one that does).
  let markerPosition: number | undefined;
  events.forEach(({ proposedId, planned }, index) => {
    if (markerAdvance(planned.eventType, proposedId, params) !== undefined) {
      markerPosition = index + 1;
    }
  });
  const proposed = p.add(
    events.map((event) => event.proposedId),
    'text[]',
  );
  const ctes = [
    `run AS (SELECT ${runColumns(true)}, external_update_at, last_event_id FROM ${tables.runs}
       WHERE run_id = ${runId} FOR UPDATE)`,
    `facts AS (${factsSelect(tables, target, p, 'run')})`,
    `ok AS (${stillHolds(facts, target, params, p)})`,
    `ids AS (SELECT ${tables.eventIdsFunction}((SELECT last_event_id FROM run), ${proposed}) AS ids)`,
  ];
  const write = plan.writes[0];
  if (write) {
    ctes.push(`written AS (${writeStatement(tables, facts, plan.runId, write, p)})`);
    if (write.entity === 'run' && write.op === 'update' && write.update.releaseHooksAndWaits) {
      // A run ending releases its hook tokens and pending waits in the same statement.
      ctes.push(
        `released_hooks AS (DELETE FROM ${tables.hooks} WHERE run_id = ${runId} AND EXISTS (SELECT 1 FROM written))`,
        `released_waits AS (DELETE FROM ${tables.waits} WHERE run_id = ${runId} AND EXISTS (SELECT 1 FROM written))`,
      );
    }
  }
  if (events.length > 0) {
    const rows = events.map(
      ({ planned }, index) =>
        `(${index + 1}, ${p.add(planned.eventType, 'text')}, ` +
        `${p.add(planned.correlationId ?? null, 'text')}, ${p.add(toStoredJson(planned.eventData), 'jsonb')}, ` +
        `${p.add(planned.specVersion, 'integer')}, ${p.add(planned.occurredAt ?? null, 'timestamptz')})`,
    );
    const guards = [OK];
    if (write) guards.push('EXISTS (SELECT 1 FROM written)');
    if (facts.hook && plan.events.some((event) => event.eventType === 'hook_received')) {
      // Locked, so a hook_disposed that committed while this statement waited is seen: a
      // locking read skips a row deleted meanwhile, where a plain one would still see it.
      ctes.push(
        `live_hook AS (SELECT 1 FROM ${tables.hooks}
           WHERE run_id = ${p.add(facts.hook.runId, 'text')} AND hook_id = ${p.add(plan.events[0]?.correlationId, 'text')}
           FOR UPDATE)`,
      );
      guards.push('EXISTS (SELECT 1 FROM live_hook)');
    }
    ctes.push(
      `inserted AS (INSERT INTO ${tables.events}
         (event_id, run_id, event_type, correlation_id, event_data, spec_version, created_at, occurred_at)
       SELECT ids.ids[planned.n], ${runId}, planned.event_type, planned.correlation_id, planned.event_data,
         planned.spec_version, ${p.add(createdAt, 'timestamptz')}, planned.occurred_at
       FROM (VALUES ${rows.join(', ')})
         AS planned(n, event_type, correlation_id, event_data, spec_version, occurred_at)
       CROSS JOIN ids
       WHERE ${guards.join(' AND ')}
       ORDER BY planned.n
       RETURNING event_id)`,
    );
    if (write?.entity !== 'run') {
      // The run row is written once per statement: here unless the plan writes the run itself.
      const marker =
        markerPosition === undefined
          ? ''
          : `, external_update_at = GREATEST(external_update_at,
               ${tables.eventTimeFunction}((SELECT ids[${markerPosition}] FROM ids)))`;
      ctes.push(
        `advanced AS (UPDATE ${tables.runs}
           SET last_event_id = ${NEWEST_ID}${marker}
           WHERE run_id = ${runId} AND EXISTS (SELECT 1 FROM inserted))`,
      );
    } else if (markerPosition !== undefined) {
      throw new Error('a plan cannot both write the run and move its guard marker');
    }
  }
  const entityRow =
    write && write.entity === plan.respond.entity
      ? 'written'
      : plan.respond.entity === 'run'
        ? 'run'
        : undefined;
  const text = `WITH ${ctes.join(',\n')}
    SELECT (SELECT count(*) FROM ok)::int AS wk_ok,
      ${write ? '(SELECT count(*) FROM written)::int' : '1'} AS wk_written,
      ${events.length > 0 ? '(SELECT count(*) FROM inserted)::int' : '0'} AS wk_inserted,
      (SELECT ids FROM ids) AS wk_event_ids,
      facts.*${entityRow ? ', entity.*' : ''}
    FROM (SELECT 1) AS one
    LEFT JOIN facts ON true
    ${entityRow ? `LEFT JOIN ${entityRow} AS entity ON true` : ''}`;
  /** `markerPosition`: which issued id (1-based) the guard marker moves to, if any. */
  return { text, values: p.values, markerPosition };
}
