import { QueryCommand } from '@aws-sdk/lib-dynamodb';
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
import type { TableHandle } from '../connection/lazy-table.js';
import { blobLoader } from '../encoding/blob-items.js';
import { BlobPlan, encodeValue, type LoadBlob } from '../encoding/stored-value.js';
import {
  commitWrite,
  readSnapshot,
  retryStaleWrites,
  type TransactItem,
} from './commit-write.js';
import {
  type EventItem,
  type HookItem,
  type LogItem,
  type RunItem,
  runIndexKeys,
  SCHEMA_VERSION,
  type StepItem,
  type TokenItem,
  toHook,
  toRun,
  toStep,
  toWait,
  type WaitItem,
} from './entity-items.js';
import { newUlid, nextEventId } from './event-ids.js';
import {
  eventKey,
  HOOK_PREFIX,
  hookKey,
  logKey,
  lookup,
  runKey,
  runPartition,
  STEP_PREFIX,
  stepKey,
  tokenKey,
  WAIT_PREFIX,
  waitKey,
} from './keys.js';

type AnyEventRequest = CreateEventRequest | RunCreatedEventRequest;
type Request<T extends AnyEventRequest['eventType']> = Extract<AnyEventRequest, { eventType: T }>;

/** Most hook/wait deletions a run ending puts in its own transaction; the rest follow it. */
const ENDING_CLEANUP_BUDGET = 80;

interface EventDraft {
  eventType: Event['eventType'];
  correlationId?: string;
  eventData?: unknown;
}

/**
 * Collects one event's writes: entity changes, event items and the run's write guard. The guard
 * goes last and carries the condition that nothing was written to the run since we read it.
 */
class EventWrite {
  readonly items: TransactItem[] = [];
  readonly blobs = new BlobPlan();
  readonly events: Event[] = [];
  /** Deletions that did not fit the transaction (a run ending with very many hooks). */
  readonly leftovers: TransactItem[] = [];
  private lastEventId: string | undefined;

  constructor(
    private readonly handle: TableHandle,
    readonly runId: string,
    private readonly previousEventId: string | undefined,
    readonly specVersion: number,
    readonly now: number,
    private readonly params: CreateEventParams | undefined,
  ) {
    this.lastEventId = previousEventId;
  }

  get table(): string {
    return this.handle.table;
  }

  encode(value: unknown): string | undefined {
    return encodeValue(value, this.blobs);
  }

  put(item: object, condition?: string, names?: Record<string, string>) {
    this.items.push({
      Put: {
        TableName: this.handle.table,
        Item: item,
        ...(condition ? { ConditionExpression: condition } : {}),
        ...(names ? { ExpressionAttributeNames: names } : {}),
      },
    });
  }

  delete(key: object, condition?: string, values?: Record<string, unknown>): TransactItem {
    return {
      Delete: {
        TableName: this.handle.table,
        Key: key,
        ...(condition ? { ConditionExpression: condition } : {}),
        ...(values ? { ExpressionAttributeValues: values } : {}),
      },
    };
  }

  /** Adds an event item; returns the event as the caller will see it. */
  event(draft: EventDraft): Event {
    this.lastEventId = nextEventId(this.lastEventId);
    const eventId = this.lastEventId;
    const item: EventItem = {
      ...eventKey(this.runId, eventId),
      entity: 'event',
      schemaVersion: SCHEMA_VERSION,
      runId: this.runId,
      eventId,
      eventType: draft.eventType,
      correlationId: draft.correlationId,
      eventData: this.encode(draft.eventData),
      specVersion: this.specVersion,
      createdAt: this.now,
      occurredAt: this.params?.occurredAt?.getTime(),
      ...(draft.correlationId
        ? { gsi1pk: lookup.eventsOfCorrelation(draft.correlationId), gsi1sk: eventId }
        : {}),
    };
    this.put(item, 'attribute_not_exists(pk)');
    const event = {
      eventType: draft.eventType,
      runId: this.runId,
      eventId,
      createdAt: new Date(this.now),
      specVersion: this.specVersion,
      ...(draft.correlationId !== undefined ? { correlationId: draft.correlationId } : {}),
      ...(draft.eventData !== undefined ? { eventData: draft.eventData } : {}),
      ...(this.params?.occurredAt ? { occurredAt: this.params.occurredAt } : {}),
    } as Event;
    const visible = stripEventDataRefs(event, this.params?.resolveData ?? 'all');
    this.events.push(visible);
    return visible;
  }

  /** The write guard: appended last, after every event of this write. */
  private guard(): TransactItem {
    const key = logKey(this.runId);
    const count = this.events.length;
    if (this.previousEventId === undefined) {
      const item: LogItem = {
        ...key,
        entity: 'log',
        schemaVersion: SCHEMA_VERSION,
        runId: this.runId,
        lastEventId: this.lastEventId as string,
        eventCount: count,
      };
      return {
        Put: { TableName: this.handle.table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' },
      };
    }
    return {
      Update: {
        TableName: this.handle.table,
        Key: key,
        UpdateExpression: 'SET lastEventId = :next ADD eventCount :count',
        ConditionExpression: 'lastEventId = :previous',
        ExpressionAttributeValues: {
          ':next': this.lastEventId,
          ':previous': this.previousEventId,
          ':count': count,
        },
      },
    };
  }

  /** Blobs written by this write are served from memory when building the result. */
  loader(): LoadBlob {
    const fromTable = blobLoader(
      this.handle.documents,
      this.handle.table,
      runPartition(this.runId),
    );
    const written = new Map(this.blobs.blobs.map((blob) => [blob.id, blob.bytes]));
    return (id) => {
      const bytes = written.get(id);
      return bytes ? Promise.resolve(bytes) : fromTable(id);
    };
  }

  async commit(): Promise<void> {
    await commitWrite(
      this.handle.documents,
      this.handle.table,
      runPartition(this.runId),
      [...this.items, this.guard()],
      this.blobs,
    );
    // The run has ended either way; these only tidy up what its transaction had no room for.
    for (let next = 0; next < this.leftovers.length; next += 25) {
      await commitWrite(
        this.handle.documents,
        this.handle.table,
        runPartition(this.runId),
        this.leftovers.slice(next, next + 25),
        new BlobPlan(),
      ).catch(() => undefined);
    }
  }
}

interface RunSnapshot {
  run: RunItem | undefined;
  log: LogItem | undefined;
  extra: Array<Record<string, unknown> | undefined>;
}

/** The run, its write guard and any other items the event depends on, as one snapshot. */
async function readRun(
  handle: TableHandle,
  runId: string,
  extraKeys: Array<{ pk: string; sk: string }> = [],
): Promise<RunSnapshot> {
  const [run, log, ...extra] = await readSnapshot(handle.documents, handle.table, [
    runKey(runId),
    logKey(runId),
    ...extraKeys,
  ]);
  return { run: run as RunItem | undefined, log: log as LogItem | undefined, extra };
}

/**
 * Writes one event and its entity change as one `TransactWriteItems` (DESIGN §1). Each attempt
 * reads the run's state as a snapshot, decides, and writes with a condition on the run's write
 * guard; a concurrent writer makes the condition fail and the attempt is decided again on fresh
 * state. Semantic errors (`EntityConflictError`, `RunExpiredError`, …) come from that decision.
 */
export function createEvent(
  handle: TableHandle,
  runId: string | null,
  data: AnyEventRequest,
  params: CreateEventParams | undefined,
): Promise<EventResult> {
  if (data.eventType === 'run_created') {
    let id = runId;
    if (id) {
      const problem = validateUlidTimestamp(id, 'wrun_');
      if (problem) throw new WorkflowWorldError(problem);
    } else {
      id = `wrun_${newUlid()}`;
    }
    const fixedId = id;
    return retryStaleWrites(() => createRun(handle, fixedId, data, params));
  }
  if (!runId) throw new WorkflowWorldError(`runId is required for ${data.eventType} events`);
  return retryStaleWrites(() => applyToRun(handle, runId, data, params));
}

function newWrite(
  handle: TableHandle,
  runId: string,
  log: LogItem | undefined,
  data: AnyEventRequest,
  params: CreateEventParams | undefined,
): EventWrite {
  return new EventWrite(
    handle,
    runId,
    log?.lastEventId,
    data.specVersion ?? SPEC_VERSION_CURRENT,
    Date.now(),
    params,
  );
}

function newRunItem(
  write: EventWrite,
  fields: { deploymentId: string; workflowName: string; input: unknown; executionContext?: unknown },
  status: 'pending' | 'running',
): RunItem {
  const order = newUlid();
  const base = {
    status,
    deploymentId: fields.deploymentId,
    workflowName: fields.workflowName,
    order,
  };
  return {
    ...runKey(write.runId),
    entity: 'run',
    schemaVersion: SCHEMA_VERSION,
    runId: write.runId,
    ...base,
    specVersion: write.specVersion,
    executionContext: write.encode(fields.executionContext),
    input: write.encode(fields.input),
    startedAt: status === 'running' ? write.now : undefined,
    createdAt: write.now,
    updatedAt: write.now,
    ...runIndexKeys(base),
  };
}

async function createRun(
  handle: TableHandle,
  runId: string,
  data: RunCreatedEventRequest,
  params: CreateEventParams | undefined,
): Promise<EventResult> {
  const snapshot = await readRun(handle, runId);
  if (snapshot.run) throw new EntityConflictError(`Workflow run "${runId}" already exists`);
  const write = newWrite(handle, runId, snapshot.log, data, params);
  const item = newRunItem(write, data.eventData, 'pending');
  write.put(item, 'attribute_not_exists(pk)');
  const event = write.event({ eventType: 'run_created', eventData: data.eventData });
  await write.commit();
  return { event, run: await toRun(item, true, write.loader()) };
}

async function applyToRun(
  handle: TableHandle,
  runId: string,
  data: CreateEventRequest,
  params: CreateEventParams | undefined,
): Promise<EventResult> {
  const extraKeys = dependencyKeys(runId, data);
  const snapshot = await readRun(handle, runId, extraKeys);
  const { run } = snapshot;
  if (!run) {
    if (data.eventType === 'run_started') return resilientStart(handle, runId, data, params);
    throw new WorkflowRunNotFoundError(runId);
  }
  if (requiresNewerWorld(run.specVersion)) {
    throw new RunNotSupportedError(run.specVersion as number, SPEC_VERSION_CURRENT);
  }
  const write = newWrite(handle, runId, snapshot.log, data, params);

  switch (data.eventType) {
    case 'run_started':
      return startRun(write, run);
    case 'run_completed':
    case 'run_failed':
    case 'run_cancelled':
      return endRun(handle, write, run, data);
    case 'step_created':
      return createStep(write, run, snapshot.extra[0] as StepItem | undefined, data);
    case 'step_started':
    case 'step_completed':
    case 'step_failed':
    case 'step_retrying':
      return transitionStep(write, run, snapshot.extra[0] as StepItem | undefined, data);
    case 'hook_created':
      return createHook(
        handle,
        write,
        run,
        snapshot.extra[0] as HookItem | undefined,
        snapshot.extra[1] as TokenItem | undefined,
        data,
      );
    case 'hook_received':
    case 'hook_disposed':
      return useHook(write, run, snapshot.extra[0] as HookItem | undefined, data);
    case 'wait_created':
    case 'wait_completed':
      return changeWait(write, run, snapshot.extra[0] as WaitItem | undefined, data);
    default:
      throw new WorkflowWorldError(
        `Unsupported event type "${(data as { eventType: string }).eventType}"`,
      );
  }
}

/** Items besides the run and its guard that an event's decision depends on. */
function dependencyKeys(runId: string, data: CreateEventRequest) {
  switch (data.eventType) {
    case 'step_created':
    case 'step_started':
    case 'step_completed':
    case 'step_failed':
    case 'step_retrying':
      return [stepKey(runId, data.correlationId)];
    case 'hook_created':
      return [hookKey(runId, data.correlationId), tokenKey(data.eventData.token)];
    case 'hook_received':
    case 'hook_disposed':
      return [hookKey(runId, data.correlationId)];
    case 'wait_created':
    case 'wait_completed':
      return [waitKey(runId, data.correlationId)];
    default:
      return [];
  }
}

function terminalRunRefuses(status: string): EntityConflictError {
  return new EntityConflictError(`Cannot create new entities on run in terminal state "${status}"`);
}

/**
 * DESIGN §1.5: `run_started` for a run that does not exist yet, carrying the run's input,
 * creates the run (already running) with `run_created` then `run_started` in one transaction.
 * A concurrent `run_created` makes our condition fail; the retry then starts its run.
 */
async function resilientStart(
  handle: TableHandle,
  runId: string,
  data: Request<'run_started'>,
  params: CreateEventParams | undefined,
): Promise<EventResult> {
  const carried = data.eventData;
  if (!carried?.deploymentId || !carried.workflowName || carried.input === undefined) {
    throw new WorkflowRunNotFoundError(runId);
  }
  const creation = {
    deploymentId: carried.deploymentId,
    workflowName: carried.workflowName,
    input: carried.input,
    executionContext: carried.executionContext,
  };
  const write = newWrite(handle, runId, undefined, data, params);
  const item = newRunItem(write, creation, 'running');
  write.put(item, 'attribute_not_exists(pk)');
  write.event({ eventType: 'run_created', eventData: creation });
  const event = write.event({ eventType: 'run_started' });
  await write.commit();
  return { event, run: await toRun(item, true, write.loader()) };
}

async function startRun(write: EventWrite, run: RunItem): Promise<EventResult> {
  if (isTerminalWorkflowRunStatus(run.status)) {
    throw new RunExpiredError(`Workflow run "${run.runId}" is already in terminal state "${run.status}"`);
  }
  const loader = write.loader();
  if (run.status === 'running') {
    // A concurrent or repeated start: no event, just the run as it is (DESIGN §1.2).
    return { run: await toRun(run, true, loader) };
  }
  const updated: RunItem = {
    ...run,
    status: 'running',
    startedAt: run.startedAt ?? write.now,
    updatedAt: write.now,
  };
  Object.assign(updated, runIndexKeys(updated));
  write.put(updated);
  const event = write.event({ eventType: 'run_started' });
  await write.commit();
  return { event, run: await toRun(updated, true, loader) };
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

async function endRun(
  handle: TableHandle,
  write: EventWrite,
  run: RunItem,
  data: Request<'run_completed' | 'run_failed' | 'run_cancelled'>,
): Promise<EventResult> {
  const loader = write.loader();
  if (data.eventType === 'run_cancelled' && run.status === 'cancelled') {
    // Cancelling twice is accepted (DESIGN §1.2); the log records the request.
    const event = write.event({ eventType: 'run_cancelled' });
    await write.commit();
    return { event, run: await toRun(run, true, loader) };
  }
  if (isTerminalWorkflowRunStatus(run.status)) {
    throw new EntityConflictError(`Cannot transition run from terminal state "${run.status}"`);
  }
  const updated: RunItem = { ...run, completedAt: write.now, updatedAt: write.now };
  if (data.eventType === 'run_completed') {
    updated.status = 'completed';
    updated.output = write.encode(data.eventData.output);
  } else if (data.eventType === 'run_failed') {
    updated.status = 'failed';
    updated.error = write.encode({
      ...structuredError(data.eventData.error),
      ...(data.eventData.errorCode ? { code: data.eventData.errorCode } : {}),
    });
  } else {
    updated.status = 'cancelled';
  }
  Object.assign(updated, runIndexKeys(updated));
  // runIndexKeys leaves the active-runs key undefined: drop it so the run leaves that index.
  delete updated.gsi5pk;
  delete updated.gsi5sk;
  write.put(updated);
  const event = write.event({
    eventType: data.eventType,
    eventData: 'eventData' in data ? data.eventData : undefined,
  });

  // A run ending releases its hook tokens and pending waits in the same transaction.
  const owned = await ownedHooksAndWaits(handle, run.runId);
  const deletions: TransactItem[] = [];
  for (const owned_ of owned) {
    if (owned_.sk.startsWith(HOOK_PREFIX)) {
      deletions.push(write.delete({ pk: owned_.pk, sk: owned_.sk }));
      deletions.push(
        write.delete(tokenKey(owned_.token as string), 'attribute_not_exists(pk) OR hookId = :hookId', {
          ':hookId': owned_.hookId,
        }),
      );
    } else {
      deletions.push(write.delete({ pk: owned_.pk, sk: owned_.sk }));
    }
  }
  write.items.push(...deletions.slice(0, ENDING_CLEANUP_BUDGET));
  write.leftovers.push(...deletions.slice(ENDING_CLEANUP_BUDGET));
  await write.commit();
  return { event, run: await toRun(updated, true, loader) };
}

/** Keys of the run's hooks and waits (consistent query of its partition). */
async function ownedHooksAndWaits(handle: TableHandle, runId: string) {
  const found: Array<{ pk: string; sk: string; token?: string; hookId?: string }> = [];
  for (const prefix of [HOOK_PREFIX, WAIT_PREFIX]) {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await handle.documents.send(
        new QueryCommand({
          TableName: handle.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': runPartition(runId), ':prefix': prefix },
          ProjectionExpression: 'pk, sk, #token, hookId',
          ExpressionAttributeNames: { '#token': 'token' },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      found.push(...((page.Items ?? []) as typeof found));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
  return found;
}

async function createStep(
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

async function transitionStep(
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

/**
 * DESIGN §1.4: the token item decides between concurrent claimants (its put is conditional on
 * the token being free, or still held by the stale holder we saw). A token held by another
 * live hook is not an error: the claimant gets a `hook_conflict` event and no hook.
 */
async function createHook(
  handle: TableHandle,
  write: EventWrite,
  run: RunItem,
  existing: HookItem | undefined,
  holder: TokenItem | undefined,
  data: Request<'hook_created'>,
): Promise<EventResult> {
  if (isTerminalWorkflowRunStatus(run.status)) throw terminalRunRefuses(run.status);
  const hookId = data.correlationId;
  if (existing) throw new EntityConflictError(`Hook "${hookId}" already exists`);
  const { token, metadata, isWebhook } = data.eventData;

  let tokenCondition = 'attribute_not_exists(pk)';
  let tokenValues: Record<string, unknown> | undefined;
  if (holder) {
    if (await holderIsLive(handle, holder)) {
      const event = write.event({
        eventType: 'hook_conflict',
        correlationId: hookId,
        eventData: { token, conflictingRunId: holder.runId },
      });
      await write.commit();
      return { event };
    }
    // Left behind by a run whose ending had no room to release it: take it over.
    tokenCondition = 'hookId = :staleHookId';
    tokenValues = { ':staleHookId': holder.hookId };
  }

  const item: HookItem = {
    ...hookKey(run.runId, hookId),
    entity: 'hook',
    schemaVersion: SCHEMA_VERSION,
    runId: run.runId,
    hookId,
    token,
    metadata: write.encode(metadata),
    isWebhook: isWebhook ?? false,
    specVersion: write.specVersion,
    createdAt: write.now,
    lsi1sk: `${HOOK_PREFIX}${newUlid()}`,
    gsi1pk: lookup.hook(hookId),
    gsi1sk: '#',
  };
  const tokenItem: TokenItem = {
    ...tokenKey(token),
    entity: 'hookToken',
    schemaVersion: SCHEMA_VERSION,
    token,
    runId: run.runId,
    hookId,
    createdAt: write.now,
  };
  write.put(item, 'attribute_not_exists(pk)');
  write.items.push({
    Put: {
      TableName: handle.table,
      Item: tokenItem,
      ConditionExpression: tokenCondition,
      ...(tokenValues ? { ExpressionAttributeValues: tokenValues } : {}),
    },
  });
  const event = write.event({
    eventType: 'hook_created',
    correlationId: hookId,
    eventData: data.eventData,
  });
  await write.commit();
  return { event, hook: await toHook(item, true, write.loader()) };
}

/** A token item is live while its hook exists and the hook's run has not ended. */
async function holderIsLive(handle: TableHandle, holder: TokenItem): Promise<boolean> {
  const [hook, run] = await readSnapshot(handle.documents, handle.table, [
    hookKey(holder.runId, holder.hookId),
    runKey(holder.runId),
  ]);
  return Boolean(hook && run && !isTerminalWorkflowRunStatus((run as unknown as RunItem).status));
}

async function useHook(
  write: EventWrite,
  run: RunItem,
  hook: HookItem | undefined,
  data: Request<'hook_received' | 'hook_disposed'>,
): Promise<EventResult> {
  // Hooks of an ended run are gone, even if its ending left some items behind for cleanup.
  if (!hook || isTerminalWorkflowRunStatus(run.status)) {
    throw new HookNotFoundError(data.correlationId);
  }
  const key = hookKey(run.runId, hook.hookId);
  if (data.eventType === 'hook_received') {
    // The write guard orders this against hook_disposed: a disposed hook stays gone, so
    // hook_received never lands after its hook_disposed.
    write.items.push({
      ConditionCheck: {
        TableName: write.table,
        Key: key,
        ConditionExpression: 'attribute_exists(pk)',
      },
    });
  } else {
    write.items.push(write.delete(key, 'attribute_exists(pk)'));
    write.items.push(
      write.delete(tokenKey(hook.token), 'attribute_not_exists(pk) OR hookId = :hookId', {
        ':hookId': hook.hookId,
      }),
    );
  }
  const event = write.event({
    eventType: data.eventType,
    correlationId: data.correlationId,
    eventData: data.eventData,
  });
  await write.commit();
  return { event };
}

async function changeWait(
  write: EventWrite,
  run: RunItem,
  wait: WaitItem | undefined,
  data: Request<'wait_created' | 'wait_completed'>,
): Promise<EventResult> {
  let updated: WaitItem;
  if (data.eventType === 'wait_created') {
    if (isTerminalWorkflowRunStatus(run.status)) throw terminalRunRefuses(run.status);
    if (wait) throw new EntityConflictError(`Wait "${data.correlationId}" already exists`);
    updated = {
      ...waitKey(run.runId, data.correlationId),
      entity: 'wait',
      schemaVersion: SCHEMA_VERSION,
      runId: run.runId,
      waitId: data.correlationId,
      status: 'waiting',
      resumeAt: toDate(data.eventData.resumeAt).getTime(),
      specVersion: write.specVersion,
      createdAt: write.now,
      updatedAt: write.now,
    };
    write.put(updated, 'attribute_not_exists(pk)');
  } else {
    if (!wait) throw new WorkflowWorldError(`Wait "${data.correlationId}" not found`);
    if (wait.status === 'completed') {
      throw new EntityConflictError(`Wait "${data.correlationId}" already completed`);
    }
    updated = { ...wait, status: 'completed', completedAt: write.now, updatedAt: write.now };
    write.put(updated);
  }
  const event = write.event({
    eventType: data.eventType,
    correlationId: data.correlationId,
    eventData: data.eventData,
  });
  await write.commit();
  return { event, wait: toWait(updated) };
}

function toDate(value: Date | string | number): Date {
  return value instanceof Date ? value : new Date(value);
}
