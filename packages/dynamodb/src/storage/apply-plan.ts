import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { isTerminalWorkflowRunStatus } from '@workflow/world';
import type { EntityWrite } from '@worldkit/core';
import type { TableHandle } from '../connection/lazy-table.js';
import type { TransactItem } from './commit-write.js';
import {
  type HookItem,
  type RunItem,
  runIndexKeys,
  SCHEMA_VERSION,
  type StepItem,
  type TokenItem,
  type WaitItem,
} from './entity-items.js';
import { newUlid } from './event-ids.js';
import type { EventWrite } from './event-write.js';
import {
  HOOK_PREFIX,
  hookKey,
  lookup,
  runKey,
  runPartition,
  STEP_PREFIX,
  stepKey,
  tokenKey,
  WAIT_PREFIX,
  waitKey,
} from './keys.js';

/** Most hook/wait deletions a run ending puts in its own transaction; the rest follow it. */
const ENDING_CLEANUP_BUDGET = 80;

/** The items the facts were loaded from (`create-event.ts`), which writes start from. */
export interface LoadedItems {
  run?: RunItem;
  step?: StepItem;
  hook?: HookItem;
  wait?: WaitItem;
  /** A token item whose hook or run is gone: `hook_created` may take it over. */
  staleToken?: TokenItem;
}

/** The entities as this write leaves them, for the result. */
export interface WrittenItems {
  run?: RunItem;
  step?: StepItem;
  hook?: HookItem;
  wait?: WaitItem;
}

/** Adds one entity write of a plan to the write's transaction items. */
export async function addEntityWrite(
  handle: TableHandle,
  write: EventWrite,
  loaded: LoadedItems,
  change: EntityWrite,
  written: WrittenItems,
): Promise<void> {
  const runId = write.runId;
  const ms = (date: Date) => date.getTime();
  switch (change.entity) {
    case 'run': {
      if (change.op === 'create') {
        const { run } = change;
        const base = {
          status: run.status,
          deploymentId: run.deploymentId,
          workflowName: run.workflowName,
          order: newUlid(),
        };
        const item: RunItem = {
          ...runKey(runId),
          entity: 'run',
          schemaVersion: SCHEMA_VERSION,
          runId,
          ...base,
          specVersion: run.specVersion,
          executionContext: write.encode(run.executionContext),
          input: write.encode(run.input),
          startedAt: run.startedAt && ms(run.startedAt),
          createdAt: ms(run.createdAt),
          updatedAt: ms(run.createdAt),
          ...runIndexKeys(base),
        };
        write.put(item, 'attribute_not_exists(pk)');
        written.run = item;
        return;
      }
      const { update } = change;
      const item: RunItem = {
        ...(loaded.run as RunItem),
        status: update.status,
        updatedAt: ms(update.updatedAt),
      };
      // The first start only: an existing startedAt stays.
      if (update.startedAt) item.startedAt ??= ms(update.startedAt);
      if (update.completedAt) item.completedAt = ms(update.completedAt);
      if ('output' in update) item.output = write.encode(update.output);
      if (update.error) item.error = write.encode(update.error);
      Object.assign(item, runIndexKeys(item));
      if (isTerminalWorkflowRunStatus(item.status)) write.endRun();
      // runIndexKeys leaves the active-runs key undefined for an ended run: drop it.
      if (item.gsi5pk === undefined) {
        delete item.gsi5pk;
        delete item.gsi5sk;
      }
      write.put(item);
      written.run = item;
      if (update.releaseHooksAndWaits) await releaseHooksAndWaits(handle, write);
      return;
    }
    case 'step': {
      if (change.op === 'create') {
        const { step } = change;
        const item: StepItem = {
          ...stepKey(runId, step.stepId),
          entity: 'step',
          schemaVersion: SCHEMA_VERSION,
          runId,
          stepId: step.stepId,
          stepName: step.stepName,
          status: 'pending',
          attempt: 0,
          input: write.encode(step.input),
          specVersion: step.specVersion,
          createdAt: ms(step.createdAt),
          updatedAt: ms(step.createdAt),
          rev: 0,
          lsi1sk: `${STEP_PREFIX}${newUlid()}`,
          gsi1pk: lookup.step(step.stepId),
          gsi1sk: '#',
        };
        write.put(item, 'attribute_not_exists(pk)');
        written.step = item;
        return;
      }
      const { update } = change;
      const item: StepItem = {
        ...(loaded.step as StepItem),
        status: update.status,
        updatedAt: ms(update.updatedAt),
      };
      if (update.attempt !== undefined) item.attempt = update.attempt;
      if (update.startedAt) item.startedAt = ms(update.startedAt);
      if (update.completedAt) item.completedAt = ms(update.completedAt);
      if ('output' in update) item.output = write.encode(update.output);
      if (update.error) item.error = write.encode(update.error);
      if (update.retryAfter) item.retryAfter = ms(update.retryAfter);
      else if (update.retryAfter === null) delete item.retryAfter;
      // Conditional on the step as read: reserved writes of one step (`create-event.ts`) do not
      // share the run's guard, and this keeps them from overwriting each other.
      const read = loaded.step?.rev;
      item.rev = (read ?? 0) + 1;
      if (read === undefined) write.put(item, 'attribute_not_exists(rev)');
      else write.put(item, 'rev = :rev', undefined, { ':rev': read });
      written.step = item;
      return;
    }
    case 'hook': {
      if (change.op === 'delete') {
        write.items.push(write.delete(hookKey(runId, change.hookId), 'attribute_exists(pk)'));
        write.items.push(releaseToken(write, change.token, change.hookId));
        return;
      }
      const { hook } = change;
      const item: HookItem = {
        ...hookKey(runId, hook.hookId),
        entity: 'hook',
        schemaVersion: SCHEMA_VERSION,
        runId,
        hookId: hook.hookId,
        token: hook.token,
        metadata: write.encode(hook.metadata),
        isWebhook: hook.isWebhook,
        specVersion: hook.specVersion,
        createdAt: ms(hook.createdAt),
        lsi1sk: `${HOOK_PREFIX}${newUlid()}`,
        gsi1pk: lookup.hook(hook.hookId),
        gsi1sk: '#',
      };
      const tokenItem: TokenItem = {
        ...tokenKey(hook.token),
        entity: 'hookToken',
        schemaVersion: SCHEMA_VERSION,
        token: hook.token,
        runId,
        hookId: hook.hookId,
        createdAt: ms(hook.createdAt),
      };
      write.put(item, 'attribute_not_exists(pk)');
      // Storage rule 4: the token item decides between concurrent claimants. Its put requires
      // the token to be free, or still held by the stale holder the facts saw (taken over).
      const stale = loaded.staleToken;
      write.items.push({
        Put: {
          TableName: write.table,
          Item: tokenItem,
          ConditionExpression: stale ? 'hookId = :staleHookId' : 'attribute_not_exists(pk)',
          ...(stale ? { ExpressionAttributeValues: { ':staleHookId': stale.hookId } } : {}),
        },
      });
      written.hook = item;
      return;
    }
    case 'wait': {
      if (change.op === 'create') {
        const { wait } = change;
        const item: WaitItem = {
          ...waitKey(runId, wait.waitId),
          entity: 'wait',
          schemaVersion: SCHEMA_VERSION,
          runId,
          waitId: wait.waitId,
          status: 'waiting',
          resumeAt: ms(wait.resumeAt),
          specVersion: wait.specVersion,
          createdAt: ms(wait.createdAt),
          updatedAt: ms(wait.createdAt),
        };
        write.put(item, 'attribute_not_exists(pk)');
        written.wait = item;
        return;
      }
      const item: WaitItem = {
        ...(loaded.wait as WaitItem),
        status: 'completed',
        completedAt: ms(change.completedAt),
        updatedAt: ms(change.completedAt),
      };
      write.put(item);
      written.wait = item;
      return;
    }
  }
}

/** Deletes a token item unless another hook has taken it over since. */
function releaseToken(write: EventWrite, token: string, hookId: string): TransactItem {
  return write.delete(tokenKey(token), 'attribute_not_exists(pk) OR hookId = :hookId', {
    ':hookId': hookId,
  });
}

/**
 * A run ending releases its hook tokens and pending waits in the same transaction, up to a
 * budget; the rest are deleted right after it commits (`EventWrite.leftovers`).
 */
async function releaseHooksAndWaits(handle: TableHandle, write: EventWrite): Promise<void> {
  const deletions: TransactItem[] = [];
  for (const owned of await ownedHooksAndWaits(handle, write.runId)) {
    deletions.push(write.delete({ pk: owned.pk, sk: owned.sk }));
    if (owned.sk.startsWith(HOOK_PREFIX)) {
      deletions.push(releaseToken(write, owned.token as string, owned.hookId as string));
    }
  }
  write.items.push(...deletions.slice(0, ENDING_CLEANUP_BUDGET));
  write.leftovers.push(...deletions.slice(ENDING_CLEANUP_BUDGET));
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
