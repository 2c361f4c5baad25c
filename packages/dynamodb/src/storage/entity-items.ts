import type { Event, Hook, Step, Wait, WorkflowRun } from '@workflow/world';
import {
  EVENT_DATA_REF_FIELDS,
  isTerminalWorkflowRunStatus,
  stripEventDataRefs,
} from '@workflow/world';
import {
  type LoadBlob,
  parseStored,
  resolveBlobs,
  resolveOuterBlob,
} from '../encoding/stored-value.js';
import {
  ALL_RUNS,
  activeRunsOfDeployment,
  lookup,
  runsOfDeployment,
  runsWithStatus,
} from './keys.js';

/**
 * Items as stored. Payload fields hold stored JSON (`stored-value.ts`); dates are epoch ms.
 * Every item carries `schemaVersion` so later releases can read what this one wrote.
 */
export const SCHEMA_VERSION = 1;

interface BaseItem {
  pk: string;
  sk: string;
  schemaVersion: number;
}

export interface RunItem extends BaseItem {
  entity: 'run';
  runId: string;
  status: WorkflowRun['status'];
  deploymentId: string;
  workflowName: string;
  specVersion?: number;
  executionContext?: string;
  input?: string;
  output?: string;
  error?: string;
  expiredAt?: number;
  startedAt?: number;
  completedAt?: number;
  createdAt: number;
  updatedAt: number;
  /** Monotonic ULID taken at creation: the sort key of every run list. */
  order: string;
  gsi1pk: string;
  gsi1sk: string;
  gsi2pk: string;
  gsi2sk: string;
  gsi3pk: string;
  gsi3sk: string;
  gsi4pk: string;
  gsi4sk: string;
  /** Present only while the run is pending or running (sparse index). */
  gsi5pk?: string;
  gsi5sk?: string;
}

export interface LogItem extends BaseItem {
  entity: 'log';
  runId: string;
  /** Id of the last event a guarded write added (the guard itself on runs without `lastSeq`). */
  lastEventId: string;
  /** Positions taken: events written, and positions reserved (some closed as void). */
  eventCount: number;
  /**
   * The run's last taken log position (`sequenced-events.ts`): the write guard of runs created
   * since event ids were sequenced. Absent on older runs, whose guard is `lastEventId`.
   */
  lastSeq?: number;
  /** What a sequenced event id's time part counts from (`event-ids.ts`). */
  idBase?: number;
  /**
   * Position of the run's newest external `step_completed` / `hook_received` (one written
   * without `stateUpdatedAt`), on sequenced runs. See `state-guard.ts`.
   */
  externalSeq?: number;
  /**
   * ULID time of the newest external event, on runs without `lastSeq`. See `state-guard.ts`.
   */
  externalUpdateAt?: number;
  /** Set by the write that ends the run: no position is reserved after it. */
  endedAt?: number;
}

export interface StepItem extends BaseItem {
  entity: 'step';
  runId: string;
  stepId: string;
  stepName: string;
  status: Step['status'];
  attempt: number;
  input?: string;
  output?: string;
  error?: string;
  startedAt?: number;
  completedAt?: number;
  retryAfter?: number;
  specVersion?: number;
  createdAt: number;
  updatedAt: number;
  /**
   * Bumped by every write of the step; each update is conditional on the value it read, so
   * writers that do not share the run's write guard (reserved writes) cannot overwrite each
   * other. Absent on steps written before it existed.
   */
  rev?: number;
  lsi1sk: string;
  gsi1pk: string;
  gsi1sk: string;
}

export interface HookItem extends BaseItem {
  entity: 'hook';
  runId: string;
  hookId: string;
  token: string;
  metadata?: string;
  isWebhook: boolean;
  specVersion?: number;
  createdAt: number;
  lsi1sk: string;
  gsi1pk: string;
  gsi1sk: string;
}

export interface TokenItem extends BaseItem {
  entity: 'hookToken';
  token: string;
  runId: string;
  hookId: string;
  createdAt: number;
}

export interface WaitItem extends BaseItem {
  entity: 'wait';
  runId: string;
  waitId: string;
  status: Wait['status'];
  resumeAt?: number;
  completedAt?: number;
  specVersion?: number;
  createdAt: number;
  updatedAt: number;
}

export interface EventItem extends BaseItem {
  entity: 'event';
  runId: string;
  eventId: string;
  /** Position in the run's log, on sequenced runs (`sequenced-events.ts`). */
  seq?: number;
  /** Written without `stateUpdatedAt` by a step worker or hook delivery (`state-guard.ts`). */
  external?: boolean;
  eventType: Event['eventType'];
  correlationId?: string;
  eventData?: string;
  specVersion?: number;
  createdAt: number;
  occurredAt?: number;
  gsi1pk?: string;
  gsi1sk?: string;
}

/**
 * A log position that will never hold an event: its reserved write failed, or a reader closed
 * it after waiting for it (`sequenced-events.ts`). Readers skip it.
 */
export interface VoidItem extends BaseItem {
  entity: 'void';
  runId: string;
  eventId: string;
  seq: number;
}

/** The run's index keys for its current status (the active-runs key disappears when it ends). */
export function runIndexKeys(
  item: Pick<RunItem, 'status' | 'deploymentId' | 'workflowName' | 'order'>,
): Pick<
  RunItem,
  'gsi1pk' | 'gsi1sk' | 'gsi2pk' | 'gsi2sk' | 'gsi3pk' | 'gsi3sk' | 'gsi4pk' | 'gsi4sk'
> &
  Pick<RunItem, 'gsi5pk' | 'gsi5sk'> {
  const active = !isTerminalWorkflowRunStatus(item.status);
  return {
    gsi1pk: lookup.runsOfWorkflow(item.workflowName),
    gsi1sk: item.order,
    gsi2pk: runsWithStatus(item.status),
    gsi2sk: item.order,
    gsi3pk: runsOfDeployment(item.deploymentId),
    gsi3sk: item.order,
    gsi4pk: ALL_RUNS,
    gsi4sk: item.order,
    gsi5pk: active ? activeRunsOfDeployment(item.deploymentId) : undefined,
    gsi5sk: active ? item.order : undefined,
  };
}

const date = (value: number | undefined) => (value === undefined ? undefined : new Date(value));

/** Copies only present values, so absent fields are absent rather than `undefined`-valued keys. */
function defined<T extends object>(entries: Record<string, unknown>): T {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entries)) {
    if (value !== undefined) result[key] = value;
  }
  return result as T;
}

const decode = (text: string | undefined, load: LoadBlob) =>
  text === undefined ? undefined : resolveBlobs(parseStored(text), load);

export async function toRun(
  item: RunItem,
  withData: boolean,
  load: LoadBlob,
): Promise<WorkflowRun> {
  const [executionContext, input, output, error] = await Promise.all([
    decode(item.executionContext, load),
    withData ? decode(item.input, load) : undefined,
    withData ? decode(item.output, load) : undefined,
    decode(item.error, load),
  ]);
  return defined<WorkflowRun>({
    runId: item.runId,
    status: item.status,
    deploymentId: item.deploymentId,
    workflowName: item.workflowName,
    specVersion: item.specVersion,
    executionContext,
    input,
    output,
    error,
    expiredAt: date(item.expiredAt),
    startedAt: date(item.startedAt),
    completedAt: date(item.completedAt),
    createdAt: new Date(item.createdAt),
    updatedAt: new Date(item.updatedAt),
  });
}

export async function toStep(item: StepItem, withData: boolean, load: LoadBlob): Promise<Step> {
  const [input, output, error] = await Promise.all([
    withData ? decode(item.input, load) : undefined,
    withData ? decode(item.output, load) : undefined,
    decode(item.error, load),
  ]);
  return defined<Step>({
    runId: item.runId,
    stepId: item.stepId,
    stepName: item.stepName,
    status: item.status,
    input,
    output,
    error,
    attempt: item.attempt,
    startedAt: date(item.startedAt),
    completedAt: date(item.completedAt),
    retryAfter: date(item.retryAfter),
    specVersion: item.specVersion,
    createdAt: new Date(item.createdAt),
    updatedAt: new Date(item.updatedAt),
  });
}

/** Ownership fields the interface requires; a self-hosted table has one owner. */
const HOOK_OWNER = { ownerId: 'worldkit', projectId: 'worldkit', environment: 'dynamodb' };

export async function toHook(item: HookItem, withData: boolean, load: LoadBlob): Promise<Hook> {
  return defined<Hook>({
    runId: item.runId,
    hookId: item.hookId,
    token: item.token,
    ...HOOK_OWNER,
    metadata: withData ? await decode(item.metadata, load) : undefined,
    createdAt: new Date(item.createdAt),
    specVersion: item.specVersion,
    isWebhook: item.isWebhook,
  });
}

export function toWait(item: WaitItem): Wait {
  return defined<Wait>({
    waitId: item.waitId,
    runId: item.runId,
    status: item.status,
    resumeAt: date(item.resumeAt),
    completedAt: date(item.completedAt),
    specVersion: item.specVersion,
    createdAt: new Date(item.createdAt),
    updatedAt: new Date(item.updatedAt),
  });
}

export async function toEvent(item: EventItem, withData: boolean, load: LoadBlob): Promise<Event> {
  let eventData: unknown;
  if (item.eventData !== undefined) {
    const parsed = parseStored(item.eventData);
    // A whole-field blob must be loaded to see the fields; payload blobs inside are only
    // loaded when the caller wants data.
    const outer = await resolveOuterBlob(parsed, load);
    if (!withData && outer && typeof outer === 'object' && !Array.isArray(outer)) {
      const stripped = EVENT_DATA_REF_FIELDS[item.eventType] ?? [];
      const kept = Object.fromEntries(
        Object.entries(outer).filter(([key]) => !stripped.includes(key)),
      );
      eventData = await resolveBlobs(kept, load);
    } else {
      eventData = await resolveBlobs(outer, load);
    }
  }
  const event = defined<Event>({
    eventId: item.eventId,
    runId: item.runId,
    eventType: item.eventType,
    correlationId: item.correlationId,
    eventData,
    specVersion: item.specVersion,
    createdAt: new Date(item.createdAt),
    occurredAt: date(item.occurredAt),
  });
  return withData ? event : stripEventDataRefs(event, 'none');
}
