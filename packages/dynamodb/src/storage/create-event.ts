import type {
  CreateEventParams,
  CreateEventRequest,
  EventResult,
  RunCreatedEventRequest,
} from '@workflow/world';
import { isTerminalWorkflowRunStatus } from '@workflow/world';
import { type Acceptance, acceptedOrThrow, decide, type EventFacts } from '@worldkit/core';
import type { TableHandle } from '../connection/lazy-table.js';
import { addEntityWrite, type LoadedItems, type WrittenItems } from './apply-plan.js';
import { readSnapshot, retryStaleWrites } from './commit-write.js';
import {
  type HookItem,
  type RunItem,
  type StepItem,
  type TokenItem,
  toHook,
  toRun,
  toStep,
  toWait,
  type WaitItem,
} from './entity-items.js';
import { newUlid } from './event-ids.js';
import { EventWrite, readRun } from './event-write.js';
import { hookKey, runKey, stepKey, tokenKey, waitKey } from './keys.js';

type AnyEventRequest = CreateEventRequest | RunCreatedEventRequest;

/**
 * Writes one event and its entity change as one `TransactWriteItems` (docs/contract.md). Each
 * attempt reads the facts as a snapshot (`TransactGetItems` of the run, its write guard and the
 * step, hook, token or wait the event targets), lets the shared state machine (`decide`,
 * `@worldkit/core`) decide, and writes the plan with a condition on the run's write guard; a
 * concurrent writer makes the condition fail and the attempt is decided again on fresh facts.
 */
export function createEvent(
  handle: TableHandle,
  runId: string | null,
  data: AnyEventRequest,
  params: CreateEventParams | undefined,
): Promise<EventResult> {
  const targetRunId = runId ?? (data.eventType === 'run_created' ? `wrun_${newUlid()}` : '');
  return retryStaleWrites(async () => {
    const now = Date.now();
    const { facts, loaded, log } = runId
      ? await loadFacts(handle, targetRunId, data, now)
      : { facts: { now: new Date(now), runId: targetRunId }, loaded: {}, log: undefined };
    const plan = acceptedOrThrow(decide(facts, { runId, event: data, params }));
    const write = new EventWrite(handle, plan.runId, log, now, params);
    return applyPlan(handle, write, loaded, plan);
  });
}

async function loadFacts(
  handle: TableHandle,
  runId: string,
  data: AnyEventRequest,
  now: number,
): Promise<{
  facts: EventFacts;
  loaded: LoadedItems;
  log: Awaited<ReturnType<typeof readRun>>['log'];
}> {
  const id = ('correlationId' in data && data.correlationId) || '';
  const family = data.eventType.slice(0, 4);
  const extraKeys =
    family === 'step'
      ? [stepKey(runId, id)]
      : family === 'hook'
        ? [
            hookKey(runId, id),
            ...(data.eventType === 'hook_created' ? [tokenKey(data.eventData.token)] : []),
          ]
        : family === 'wait'
          ? [waitKey(runId, id)]
          : [];
  const snapshot = await readRun(handle, runId, extraKeys);
  const facts: EventFacts = { now: new Date(now), runId };
  const loaded: LoadedItems = {};
  const { run, log } = snapshot;
  if (!run) return { facts, loaded, log };
  loaded.run = run;
  facts.run = {
    status: run.status,
    specVersion: run.specVersion,
    externalUpdateAt: log?.externalUpdateAt,
  };
  const [target, token] = snapshot.extra;
  if (family === 'step' && target) {
    const step = target as unknown as StepItem;
    loaded.step = step;
    facts.step = {
      status: step.status,
      attempt: step.attempt,
      ...(step.startedAt !== undefined ? { startedAt: new Date(step.startedAt) } : {}),
      ...(step.retryAfter !== undefined ? { retryAfter: new Date(step.retryAfter) } : {}),
    };
  }
  if (family === 'hook' && target) {
    const hook = target as unknown as HookItem;
    loaded.hook = hook;
    facts.hook = { runId: hook.runId, token: hook.token };
  }
  if (token) {
    const holder = token as unknown as TokenItem;
    if (await holderIsLive(handle, holder)) {
      facts.tokenHolder = { runId: holder.runId, hookId: holder.hookId };
    } else {
      // Left behind by a run whose ending had no room to release it: free to take over.
      loaded.staleToken = holder;
    }
  }
  if (family === 'wait' && target) {
    const wait = target as unknown as WaitItem;
    loaded.wait = wait;
    facts.wait = { status: wait.status };
  }
  return { facts, loaded, log };
}

/** A token item is live while its hook exists and the hook's run has not ended. */
async function holderIsLive(handle: TableHandle, holder: TokenItem): Promise<boolean> {
  const [hook, run] = await readSnapshot(handle.documents, handle.table, [
    hookKey(holder.runId, holder.hookId),
    runKey(holder.runId),
  ]);
  return Boolean(hook && run && !isTerminalWorkflowRunStatus((run as unknown as RunItem).status));
}

/**
 * Applies an accepted plan in one transaction: entity writes, the events, the write guard. A
 * plan with no events (a repeated `run_started`) writes nothing; a `hook_received` is
 * conditional on its hook still existing.
 */
async function applyPlan(
  handle: TableHandle,
  write: EventWrite,
  loaded: LoadedItems,
  plan: Acceptance,
): Promise<EventResult> {
  const written: WrittenItems = {};
  for (const change of plan.writes) await addEntityWrite(handle, write, loaded, change, written);
  if (loaded.hook && plan.events.some((event) => event.eventType === 'hook_received')) {
    // The write guard orders this against hook_disposed; the check also covers a hook deleted
    // by a run ending's leftovers.
    write.items.push({
      ConditionCheck: {
        TableName: write.table,
        Key: hookKey(write.runId, loaded.hook.hookId),
        ConditionExpression: 'attribute_exists(pk)',
      },
    });
  }
  const events = plan.events.map((planned) => write.event(planned));
  if (events.length > 0 || write.items.length > 0) await write.commit();

  const load = write.loader();
  const { entity, maxEvents } = plan.respond;
  const result: EventResult = { event: events.at(-1) };
  if (entity === 'run') {
    result.run = await toRun((written.run ?? loaded.run) as RunItem, true, load);
    result.maxEvents = maxEvents;
  }
  if (entity === 'step' && written.step) result.step = await toStep(written.step, true, load);
  if (entity === 'hook' && written.hook) result.hook = await toHook(written.hook, true, load);
  if (entity === 'wait' && written.wait) result.wait = toWait(written.wait);
  return result;
}
