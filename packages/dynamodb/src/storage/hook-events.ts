import { EntityConflictError, HookNotFoundError } from '@workflow/errors';
import { type EventResult, isTerminalWorkflowRunStatus } from '@workflow/world';
import type { TableHandle } from '../connection/lazy-table.js';
import { readSnapshot } from './commit-write.js';
import {
  type HookItem,
  type RunItem,
  SCHEMA_VERSION,
  type TokenItem,
  toHook,
} from './entity-items.js';
import { newUlid } from './event-ids.js';
import { type EventWrite, type Request, terminalRunRefuses } from './event-write.js';
import { HOOK_PREFIX, hookKey, lookup, runKey, tokenKey } from './keys.js';

/**
 * storage rule 4 in docs/contract.md: the token item decides between concurrent claimants (its put is conditional on
 * the token being free, or still held by the stale holder we saw). A token held by another
 * live hook is not an error: the claimant gets a `hook_conflict` event and no hook.
 */
export async function createHook(
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

export async function useHook(
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
