import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { HookNotFoundError, WorkflowRunNotFoundError, WorkflowWorldError } from '@workflow/errors';
import type {
  Event,
  Hook,
  PaginatedResponse,
  PaginationOptions,
  Storage,
  WorkflowRun,
} from '@workflow/world';
import type { StorageInstance } from '@worldkit/core';
import { type LazyTable, lazyTable, type TableHandle } from '../connection/lazy-table.js';
import type { SetupReport } from '../connection/setup-table.js';
import { INDEX } from '../connection/table-definition.js';
import { blobLoader } from '../encoding/blob-items.js';
import { type DynamoDbSettings, resolveDynamoDbSettings } from '../settings.js';
import { ContendedRuns, createEvent, writePending } from './create-event.js';
import {
  type EventItem,
  type HookItem,
  type RunItem,
  type StepItem,
  type TokenItem,
  toEvent,
  toHook,
  toRun,
  toStep,
} from './entity-items.js';
import {
  ALL_RUNS,
  activeRunsOfDeployment,
  eventKey,
  HOOK_PREFIX,
  hookKey,
  lookup,
  runKey,
  runPartition,
  runsOfDeployment,
  runsWithStatus,
  STEP_PREFIX,
  stepKey,
  tokenKey,
} from './keys.js';
import { KnownRunItems } from './known-run-items.js';
import { pageRequest, queryPage, toEntityPage } from './pagination.js';
import { RunWriteBatcher } from './run-write-batcher.js';
import { queryRunLog } from './sequenced-events.js';

type ResolveData = 'all' | 'none' | undefined;

/** Runs of one version, for drain reports and upgrades (the `Storage` interface has no such filter). */
export interface RunsByDeploymentParams {
  deploymentId: string;
  /** Only runs still pending or running (a sparse index: cheap even with millions of ended runs). */
  activeOnly?: boolean;
  pagination?: PaginationOptions;
  resolveData?: 'all' | 'none';
}

/** The storage instance: the World's `Storage`, plus setup and version-scoped run lists. */
export type DynamoDbStorage = StorageInstance & {
  /** Creates the table and its indexes if missing; idempotent. */
  setup(): Promise<void>;
  /** Like `setup()`, and says what it did. */
  setupTable(): Promise<SetupReport>;
  listRunsByDeployment(params: RunsByDeploymentParams): Promise<PaginatedResponse<WorkflowRun>>;
  start(): Promise<void>;
  close(): Promise<void>;
};

/**
 * Runs, steps, events, hooks and waits in one DynamoDB table. Synchronous to construct; the SDK
 * client is created on first use, and the table is set up then (unless `autoSetup: false`).
 */
export function createDynamoDbStorage(settings: DynamoDbSettings = {}): DynamoDbStorage {
  const table = lazyTable(resolveDynamoDbSettings(settings));
  return storageOn(table);
}

function storageOn(table: LazyTable): DynamoDbStorage {
  // Items of the runs this instance wrote last: most event writes skip their snapshot read.
  const known = new KnownRunItems();
  const contended = new ContendedRuns();
  const batcher = new RunWriteBatcher((runId, batch) =>
    writePending(table.get(), known, contended, runId, batch),
  );
  const withData = (resolveData: ResolveData) => resolveData !== 'none';
  const loaderFor = (handle: TableHandle, runId: string) =>
    blobLoader(handle.documents, handle.table, runPartition(runId));
  const runConverter = (handle: TableHandle, resolveData: ResolveData) => (item: RunItem) =>
    toRun(item, withData(resolveData), loaderFor(handle, item.runId));

  const getItem = async <T>(handle: TableHandle, key: { pk: string; sk: string }) => {
    const result = await handle.documents.send(
      new GetCommand({ TableName: handle.table, Key: key, ConsistentRead: true }),
    );
    return result.Item as T | undefined;
  };

  /** A page of runs from one of the run indexes (newest first unless asked otherwise). */
  const listRunsOn = async (
    index: string,
    partitionAttribute: string,
    partitionValue: string,
    params: { pagination?: PaginationOptions; resolveData?: ResolveData },
    filter?: { status: string },
  ): Promise<PaginatedResponse<WorkflowRun>> => {
    const handle = await table.ready();
    const page = pageRequest(params.pagination, 'desc');
    const keys = await queryPage(
      handle.documents,
      {
        TableName: handle.table,
        IndexName: index,
        KeyConditionExpression: '#partition = :partition',
        ExpressionAttributeNames: {
          '#partition': partitionAttribute,
          ...(filter ? { '#status': 'status' } : {}),
        },
        ExpressionAttributeValues: {
          ':partition': partitionValue,
          ...(filter ? { ':status': filter.status } : {}),
        },
        ...(filter ? { FilterExpression: '#status = :status' } : {}),
      },
      page,
    );
    return toEntityPage(
      handle.documents,
      handle.table,
      keys,
      runConverter(handle, params.resolveData),
      // Indexes lag the table slightly: never return a run whose status no longer matches.
      (item: RunItem) => !filter || item.status === filter.status,
    );
  };

  const runs: Storage['runs'] = {
    get: (async (runId: string, params?: { resolveData?: ResolveData }) => {
      const handle = await table.ready();
      const item = await getItem<RunItem>(handle, runKey(runId));
      if (!item) throw new WorkflowRunNotFoundError(runId);
      return runConverter(handle, params?.resolveData)(item);
    }) as Storage['runs']['get'],
    list: (async (params = {}) => {
      if (params.workflowName) {
        return listRunsOn(
          INDEX.lookup,
          'gsi1pk',
          lookup.runsOfWorkflow(params.workflowName),
          params,
          params.status ? { status: params.status } : undefined,
        );
      }
      if (params.status) {
        return listRunsOn(INDEX.runsByStatus, 'gsi2pk', runsWithStatus(params.status), params);
      }
      return listRunsOn(INDEX.runsByCreation, 'gsi4pk', ALL_RUNS, params);
    }) as Storage['runs']['list'],
  };

  const steps: Storage['steps'] = {
    get: (async (
      runId: string | undefined,
      stepId: string,
      params?: { resolveData?: ResolveData },
    ) => {
      const handle = await table.ready();
      let item: StepItem | undefined;
      if (runId) {
        item = await getItem<StepItem>(handle, stepKey(runId, stepId));
      } else {
        const found = await handle.documents.send(
          new QueryCommand({
            TableName: handle.table,
            IndexName: INDEX.lookup,
            KeyConditionExpression: 'gsi1pk = :pk',
            ExpressionAttributeValues: { ':pk': lookup.step(stepId) },
            Limit: 1,
          }),
        );
        const key = found.Items?.[0];
        if (key) item = await getItem<StepItem>(handle, { pk: key.pk, sk: key.sk });
      }
      if (!item) {
        throw new WorkflowWorldError(
          `Step "${stepId}"${runId ? ` in run "${runId}"` : ''} not found`,
          { status: 404 },
        );
      }
      return toStep(item, withData(params?.resolveData), loaderFor(handle, item.runId));
    }) as Storage['steps']['get'],
    list: (async (params) => {
      const handle = await table.ready();
      const keys = await queryPage(
        handle.documents,
        {
          TableName: handle.table,
          IndexName: INDEX.runOrder,
          KeyConditionExpression: 'pk = :pk AND begins_with(lsi1sk, :prefix)',
          ExpressionAttributeValues: { ':pk': runPartition(params.runId), ':prefix': STEP_PREFIX },
          ConsistentRead: true,
        },
        pageRequest(params.pagination, 'desc'),
      );
      const load = loaderFor(handle, params.runId);
      return toEntityPage(handle.documents, handle.table, keys, (item: StepItem) =>
        toStep(item, withData(params.resolveData), load),
      );
    }) as Storage['steps']['list'],
  };

  /** Events of a run straight from its partition (consistent, in log order). */
  const listRunEvents = async (
    runId: string,
    params: { pagination?: PaginationOptions; resolveData?: ResolveData },
  ): Promise<PaginatedResponse<Event>> => {
    const handle = await table.ready();
    const page = await queryRunLog(handle, runId, pageRequest(params.pagination, 'asc'));
    const load = loaderFor(handle, runId);
    const data = await Promise.all(
      page.items.map((item) => toEvent(item, withData(params.resolveData), load)),
    );
    return { data, cursor: page.cursor, hasMore: page.hasMore };
  };

  const events: Storage['events'] = {
    create: (async (runId, data, params) => {
      const handle = await table.ready();
      return createEvent(handle, batcher, known, runId, data, params);
    }) as Storage['events']['create'],
    async get(runId, eventId, params) {
      const handle = await table.ready();
      const item = await getItem<EventItem>(handle, eventKey(runId, eventId));
      // A void position (`sequenced-events.ts`) holds no event.
      if (item?.entity !== 'event') {
        throw new WorkflowWorldError(`Event "${eventId}" in run "${runId}" not found`, {
          status: 404,
        });
      }
      return toEvent(item, withData(params?.resolveData), loaderFor(handle, runId));
    },
    list: (params) => listRunEvents(params.runId, params),
    async listByCorrelationId(params) {
      const handle = await table.ready();
      const keys = await queryPage(
        handle.documents,
        {
          TableName: handle.table,
          IndexName: INDEX.lookup,
          KeyConditionExpression: 'gsi1pk = :pk',
          ExpressionAttributeValues: {
            ':pk': lookup.eventsOfCorrelation(params.correlationId),
            ...(params.runId ? { ':runId': params.runId } : {}),
          },
          ...(params.runId ? { FilterExpression: 'runId = :runId' } : {}),
        },
        pageRequest(params.pagination, 'asc'),
      );
      return toEntityPage(handle.documents, handle.table, keys, (item: EventItem) =>
        toEvent(item, withData(params.resolveData), loaderFor(handle, item.runId)),
      );
    },
  };

  const readHook = async (
    handle: TableHandle,
    key: { pk: string; sk: string } | undefined,
    missing: string,
    resolveData: ResolveData,
  ): Promise<Hook> => {
    const item = key ? await getItem<HookItem>(handle, key) : undefined;
    if (!item) throw new HookNotFoundError(missing);
    return toHook(item, withData(resolveData), loaderFor(handle, item.runId));
  };

  const hooks: Storage['hooks'] = {
    async get(hookId, params) {
      const handle = await table.ready();
      const found = await handle.documents.send(
        new QueryCommand({
          TableName: handle.table,
          IndexName: INDEX.lookup,
          KeyConditionExpression: 'gsi1pk = :pk',
          ExpressionAttributeValues: { ':pk': lookup.hook(hookId) },
          Limit: 1,
        }),
      );
      const key = found.Items?.[0] as { pk: string; sk: string } | undefined;
      return readHook(handle, key && { pk: key.pk, sk: key.sk }, hookId, params?.resolveData);
    },
    async getByToken(token, params) {
      const handle = await table.ready();
      const holder = await getItem<TokenItem>(handle, tokenKey(token));
      return readHook(
        handle,
        holder && hookKey(holder.runId, holder.hookId),
        token,
        params?.resolveData,
      );
    },
    async list(params) {
      const handle = await table.ready();
      if (!params.runId) {
        throw new WorkflowWorldError(
          'hooks.list needs a runId on DynamoDB (listing every hook would scan the table)',
        );
      }
      const keys = await queryPage(
        handle.documents,
        {
          TableName: handle.table,
          IndexName: INDEX.runOrder,
          KeyConditionExpression: 'pk = :pk AND begins_with(lsi1sk, :prefix)',
          ExpressionAttributeValues: { ':pk': runPartition(params.runId), ':prefix': HOOK_PREFIX },
          ConsistentRead: true,
        },
        pageRequest(params.pagination, 'asc'),
      );
      const load = loaderFor(handle, params.runId);
      return toEntityPage(handle.documents, handle.table, keys, (item: HookItem) =>
        toHook(item, withData(params.resolveData), load),
      );
    },
  };

  return {
    runs,
    steps,
    events,
    hooks,
    async setup() {
      await table.setup();
    },
    setupTable: () => table.setup(),
    listRunsByDeployment(params) {
      return params.activeOnly
        ? listRunsOn(
            INDEX.activeRunsByDeployment,
            'gsi5pk',
            activeRunsOfDeployment(params.deploymentId),
            params,
          )
        : listRunsOn(
            INDEX.runsByDeployment,
            'gsi3pk',
            runsOfDeployment(params.deploymentId),
            params,
          );
    },
    /** Sets the table up (when `autoSetup` is on), so a wrong region or missing permission fails at start. */
    async start() {
      await table.ready();
    },
    close: () => table.close(),
  };
}
