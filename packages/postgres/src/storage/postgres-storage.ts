import { HookNotFoundError, WorkflowRunNotFoundError, WorkflowWorldError } from '@workflow/errors';
import {
  type Event,
  type Hook,
  type PaginatedResponse,
  type Step,
  type Storage,
  stripEventDataRefs,
  type WorkflowRun,
} from '@workflow/world';
import type { StorageInstance } from '@worldkit/core';
import { type MigrationReport, migrate } from '../connection/migrate.js';
import { query } from '../connection/raw-json-types.js';
import { lazyConnection } from '../connection/shared-pool.js';
import { type PostgresSettings, resolvePostgresSettings } from '../settings.js';
import { createEvent } from './create-event.js';
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
} from './entity-rows.js';
import { KnownFacts } from './known-facts.js';
import { pageWindow, seqCondition, toPage } from './pagination.js';

/** The storage instance, plus `migrate()` returning what it applied. */
export type PostgresStorage = StorageInstance & {
  setup(): Promise<void>;
  migrate(): Promise<MigrationReport>;
  start(): Promise<void>;
  close(): Promise<void>;
};

/**
 * Runs, steps, events, hooks and waits in PostgreSQL. Synchronous to construct; the pool opens
 * and the schema is migrated on first use (or in `start()` / `setup()`).
 */
export function createPostgresStorage(settings: PostgresSettings = {}): PostgresStorage {
  const resolved = resolvePostgresSettings(settings);
  const connection = lazyConnection(resolved);
  // What this instance last saw of the runs it writes: saves reading facts before most events.
  const knownFacts = new KnownFacts();
  const withData = (resolveData: 'all' | 'none' | undefined) => resolveData !== 'none';

  const runs: Storage['runs'] = {
    get: (async (runId: string, params?: { resolveData?: 'all' | 'none' }) => {
      const { pool, tables } = await connection.ready();
      const result = await query<RunRow>(
        pool,
        `SELECT ${runColumns(withData(params?.resolveData))} FROM ${tables.runs} WHERE run_id = $1`,
        [runId],
      );
      const row = result.rows[0];
      if (!row) throw new WorkflowRunNotFoundError(runId);
      return toRun(row);
    }) as Storage['runs']['get'],
    list: (async (params = {}) => {
      const { pool, tables } = await connection.ready();
      const window = pageWindow(params.pagination, 'desc');
      const result = await query<RunRow>(
        pool,
        `SELECT ${runColumns(withData(params.resolveData))} FROM ${tables.runs}
         WHERE ($1::text IS NULL OR workflow_name = $1) AND ($2::text IS NULL OR status = $2)
           AND ${seqCondition(window, 3)}
         ORDER BY seq ${window.direction} LIMIT $4`,
        [params.workflowName ?? null, params.status ?? null, window.afterSeq, window.limit + 1],
      );
      return toPage(result.rows, window, toRun) as PaginatedResponse<WorkflowRun>;
    }) as Storage['runs']['list'],
  };

  const steps: Storage['steps'] = {
    get: (async (
      runId: string | undefined,
      stepId: string,
      params?: { resolveData?: 'all' | 'none' },
    ) => {
      const { pool, tables } = await connection.ready();
      const result = await query<StepRow>(
        pool,
        `SELECT ${stepColumns(withData(params?.resolveData))} FROM ${tables.steps}
         WHERE step_id = $2 AND ($1::text IS NULL OR run_id = $1) LIMIT 1`,
        [runId ?? null, stepId],
      );
      const row = result.rows[0];
      if (!row) {
        throw new WorkflowWorldError(
          `Step "${stepId}"${runId ? ` in run "${runId}"` : ''} not found`,
          {
            status: 404,
          },
        );
      }
      return toStep(row);
    }) as Storage['steps']['get'],
    list: (async (params) => {
      const { pool, tables } = await connection.ready();
      const window = pageWindow(params.pagination, 'desc');
      const result = await query<StepRow>(
        pool,
        `SELECT ${stepColumns(withData(params.resolveData))} FROM ${tables.steps}
         WHERE run_id = $1 AND ${seqCondition(window, 2)}
         ORDER BY seq ${window.direction} LIMIT $3`,
        [params.runId, window.afterSeq, window.limit + 1],
      );
      return toPage(result.rows, window, toStep) as PaginatedResponse<Step>;
    }) as Storage['steps']['list'],
  };

  const readEvents = async (
    where: string,
    values: unknown[],
    params: { pagination?: Parameters<typeof pageWindow>[0]; resolveData?: 'all' | 'none' },
  ): Promise<PaginatedResponse<Event>> => {
    const { pool, tables } = await connection.ready();
    const window = pageWindow(params.pagination, 'asc');
    const next = values.length + 1;
    const result = await query<EventRow>(
      pool,
      `SELECT ${eventColumns(withData(params.resolveData))} FROM ${tables.events}
       WHERE ${where} AND ${seqCondition(window, next)}
       ORDER BY seq ${window.direction} LIMIT $${next + 1}`,
      [...values, window.afterSeq, window.limit + 1],
    );
    const resolveData = params.resolveData ?? 'all';
    return toPage(result.rows, window, (row) => stripEventDataRefs(toEvent(row), resolveData));
  };

  const events: Storage['events'] = {
    create: (async (runId, data, params) => {
      const { pool, tables } = await connection.ready();
      return createEvent(pool, tables, knownFacts, runId, data, params);
    }) as Storage['events']['create'],
    async get(runId, eventId, params) {
      const { pool, tables } = await connection.ready();
      const result = await query<EventRow>(
        pool,
        `SELECT ${eventColumns(withData(params?.resolveData))} FROM ${tables.events}
         WHERE event_id = $1 AND run_id = $2`,
        [eventId, runId],
      );
      const row = result.rows[0];
      if (!row) {
        throw new WorkflowWorldError(`Event "${eventId}" in run "${runId}" not found`, {
          status: 404,
        });
      }
      return stripEventDataRefs(toEvent(row), params?.resolveData ?? 'all');
    },
    list: (params) => readEvents('run_id = $1', [params.runId], params),
    listByCorrelationId: (params) =>
      readEvents(
        'correlation_id = $1 AND ($2::text IS NULL OR run_id = $2)',
        [params.correlationId, params.runId ?? null],
        params,
      ),
  };

  const readHook = async (
    column: 'hook_id' | 'token',
    value: string,
    withPayload: boolean,
  ): Promise<Hook> => {
    const { pool, tables } = await connection.ready();
    const result = await query<HookRow>(
      pool,
      `SELECT ${hookColumns(withPayload)} FROM ${tables.hooks} WHERE ${column} = $1`,
      [value],
    );
    const row = result.rows[0];
    if (!row) throw new HookNotFoundError(value);
    return toHook(row);
  };

  const hooks: Storage['hooks'] = {
    get: (hookId, params) => readHook('hook_id', hookId, withData(params?.resolveData)),
    getByToken: (token, params) => readHook('token', token, withData(params?.resolveData)),
    async list(params) {
      const { pool, tables } = await connection.ready();
      const window = pageWindow(params.pagination, 'asc');
      const result = await query<HookRow>(
        pool,
        `SELECT ${hookColumns(withData(params.resolveData))} FROM ${tables.hooks}
         WHERE ($1::text IS NULL OR run_id = $1) AND ${seqCondition(window, 2)}
         ORDER BY seq ${window.direction} LIMIT $3`,
        [params.runId ?? null, window.afterSeq, window.limit + 1],
      );
      return toPage(result.rows, window, toHook);
    },
  };

  return {
    runs,
    steps,
    events,
    hooks,
    /** Creates or upgrades the schema; idempotent. */
    async setup() {
      await connection.ready();
    },
    /** Runs the migrations now (not memoized) and reports what was applied. */
    async migrate() {
      const { pool, tables } = connection.get();
      return migrate(pool, tables.schema);
    },
    /** Connects and migrates, so a bad URL or missing privilege fails at start, not mid-run. */
    async start() {
      await connection.ready();
    },
    close: () => connection.close(),
  };
}
