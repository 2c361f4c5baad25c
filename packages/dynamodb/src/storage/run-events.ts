import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { EntityConflictError, RunExpiredError, WorkflowRunNotFoundError } from '@workflow/errors';
import {
  type CreateEventParams,
  type EventResult,
  isTerminalWorkflowRunStatus,
  type RunCreatedEventRequest,
} from '@workflow/world';
import type { TableHandle } from '../connection/lazy-table.js';
import type { TransactItem } from './commit-write.js';
import { type RunItem, runIndexKeys, SCHEMA_VERSION, toRun } from './entity-items.js';
import { newUlid } from './event-ids.js';
import {
  type EventWrite,
  newWrite,
  type Request,
  readRun,
  structuredError,
} from './event-write.js';
import { HOOK_PREFIX, runKey, runPartition, tokenKey, WAIT_PREFIX } from './keys.js';

/** Most hook/wait deletions a run ending puts in its own transaction; the rest follow it. */
const ENDING_CLEANUP_BUDGET = 80;

function newRunItem(
  write: EventWrite,
  fields: {
    deploymentId: string;
    workflowName: string;
    input: unknown;
    executionContext?: unknown;
  },
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

export async function createRun(
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

/**
 * storage rule 5 in docs/contract.md: `run_started` for a run that does not exist yet, carrying the run's input,
 * creates the run (already running) with `run_created` then `run_started` in one transaction.
 * A concurrent `run_created` makes our condition fail; the retry then starts its run.
 */
export async function resilientStart(
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

export async function startRun(write: EventWrite, run: RunItem): Promise<EventResult> {
  if (isTerminalWorkflowRunStatus(run.status)) {
    throw new RunExpiredError(
      `Workflow run "${run.runId}" is already in terminal state "${run.status}"`,
    );
  }
  const loader = write.loader();
  if (run.status === 'running') {
    // A concurrent or repeated start: no event, just the run as it is (storage rule 2 in docs/contract.md).
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

export async function endRun(
  handle: TableHandle,
  write: EventWrite,
  run: RunItem,
  data: Request<'run_completed' | 'run_failed' | 'run_cancelled'>,
): Promise<EventResult> {
  const loader = write.loader();
  if (data.eventType === 'run_cancelled' && run.status === 'cancelled') {
    // Cancelling twice is accepted (storage rule 2 in docs/contract.md); the log records the request.
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
        write.delete(
          tokenKey(owned_.token as string),
          'attribute_not_exists(pk) OR hookId = :hookId',
          {
            ':hookId': owned_.hookId,
          },
        ),
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
