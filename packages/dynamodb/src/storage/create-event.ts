import type {
  CreateEventParams,
  CreateEventRequest,
  Event,
  EventResult,
  RunCreatedEventRequest,
} from '@workflow/world';
import { isTerminalWorkflowRunStatus } from '@workflow/world';
import {
  type Acceptance,
  acceptedOrThrow,
  decide,
  type EventFacts,
  rejectionError,
} from '@worldkit/core';
import type { TableHandle } from '../connection/lazy-table.js';
import type { LoadBlob } from '../encoding/stored-value.js';
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
import { hookKey, type ItemKey, isTokenKey, runKey, stepKey, tokenKey, waitKey } from './keys.js';
import type { ItemChange, KnownRunItems } from './known-run-items.js';
import { provenMarker } from './proven-marker.js';
import type { PendingWrite, RunWriteBatcher } from './run-write-batcher.js';
import { markerOf } from './state-guard.js';

type AnyEventRequest = CreateEventRequest | RunCreatedEventRequest;

/**
 * Writes one event and its entity change as one `TransactWriteItems` (docs/contract.md). Each
 * attempt takes the facts from a snapshot (`TransactGetItems` of the run, its write guard and
 * the step, hook, token or wait the event targets — or the items this process wrote last,
 * `known-run-items.ts`, which saves that read), lets the shared state machine (`decide`,
 * `@worldkit/core`) decide, and writes the plan with a condition on the run's write guard; a
 * concurrent writer makes the condition fail and the attempt is decided again on a fresh read.
 *
 * Writes of one run queue up within this process instead of racing each other for the guard,
 * and step and wait events waiting together commit together (`run-write-batcher.ts`,
 * `writeBatch`).
 */
export function createEvent(
  handle: TableHandle,
  batcher: RunWriteBatcher,
  known: KnownRunItems,
  runId: string | null,
  data: AnyEventRequest,
  params: CreateEventParams | undefined,
): Promise<EventResult> {
  if (runId) return batcher.submit(runId, data, params);
  const newRunId = data.eventType === 'run_created' ? `wrun_${newUlid()}` : '';
  return writeEvent(handle, known, undefined, runId, newRunId, data, params);
}

/**
 * Writes a batch the run's queue handed over (run-write-batcher.ts), settling each write.
 * Step events are written as reserved writes (`writeReserved`) when this process did not write
 * the run last, or lost its write guard to another process lately: they take log positions
 * instead of the guard, so writers in several processes do not cancel each other's
 * transactions (`sequenced-events.ts`).
 */
export async function writePending(
  handle: TableHandle,
  known: KnownRunItems,
  contended: ContendedRuns,
  runId: string,
  batch: PendingWrite[],
): Promise<void> {
  const [only] = batch;
  const reservableBatch = batch.every((pending) => reservable(pending));
  // Under the guard a process that wrote the run last needs one request (`known-run-items.ts`);
  // one that did not would read and race whoever did, so it takes positions instead.
  const reserve = reservableBatch && (contended.has(runId) || !known.has(runId));
  if (batch.length === 1 && only && !reservableBatch) {
    await writeEvent(handle, known, contended, runId, runId, only.data, only.params).then(
      only.resolve,
      only.reject,
    );
    return;
  }
  let outcomes: Array<{ result: EventResult } | { error: unknown }>;
  try {
    const guarded = reserve
      ? 'lost'
      : await writeBatch(handle, known, contended, runId, batch, reservableBatch);
    const settled =
      guarded === 'lost' ? await writeReserved(handle, known, contended, runId, batch) : guarded;
    // A run that cannot take positions (ended, or older than sequenced ids) is written under
    // the guard, which never gives up with 'lost' when not asked to.
    outcomes =
      settled ??
      ((await writeBatch(handle, known, contended, runId, batch, false)) as Exclude<
        Awaited<ReturnType<typeof writeBatch>>,
        'lost'
      >);
  } catch (error) {
    for (const pending of batch) pending.reject(error);
    return;
  }
  outcomes.forEach((outcome, index) => {
    const pending = batch[index] as PendingWrite;
    if ('error' in outcome) pending.reject(outcome.error);
    else pending.resolve(outcome.result);
  });
}

/**
 * How long a run counts as written from several processes after its guard was last lost.
 * Within it, its step events take positions (one more request each, never cancelled); after
 * it, they try the guard again (one request when this process wrote the run last).
 */
export const CONTENDED_FOR_MS = 10_000;

/** Runs whose write guard this process lost lately (see `CONTENDED_FOR_MS`). */
export class ContendedRuns {
  readonly #lostAt = new Map<string, number>();

  lost(runId: string): void {
    this.#lostAt.delete(runId);
    this.#lostAt.set(runId, Date.now());
    // Oldest first: drop what has expired, and never keep more than a bounded number.
    for (const [id, at] of this.#lostAt) {
      if (this.#lostAt.size <= 1_000 && Date.now() - at < CONTENDED_FOR_MS) break;
      this.#lostAt.delete(id);
    }
  }

  has(runId: string): boolean {
    const at = this.#lostAt.get(runId);
    return at !== undefined && Date.now() - at < CONTENDED_FOR_MS;
  }
}

/**
 * Step events: their conditions are on their own step item (`rev`), the run's end is checked
 * when positions are taken, and a step result moves the run's marker there. A create from a
 * replay (`stateUpdatedAt`) takes its positions only if no external event took one after what
 * the replay loaded (`stageBatch`).
 */
function reservable(pending: PendingWrite): boolean {
  return pending.data.eventType.startsWith('step_');
}

/**
 * The batch as one reserved write, decided on a fresh read; undefined when the run cannot take
 * one (not found, ended, or older than sequenced ids): then it goes under the guard.
 */
async function writeReserved(
  handle: TableHandle,
  known: KnownRunItems,
  contended: ContendedRuns,
  runId: string,
  batch: PendingWrite[],
): Promise<Array<{ result: EventResult } | { error: unknown }> | undefined> {
  // A reserved write moves the guard without this process knowing where to.
  known.forget(runId);
  return retryStaleWrites(
    async () => {
      const staged = await stageBatch(handle, known, runId, batch, false, true);
      return staged === 'guard' ? undefined : staged;
    },
    () => contended.lost(runId),
  );
}

/** One write of a batch, decided and staged into the shared transaction. */
interface Staged {
  plan: Acceptance;
  loaded: LoadedItems;
  written: WrittenItems;
  events: Event[];
}

/**
 * Several step and wait events of one run (distinct entities) in one transaction: each is
 * decided in order on the run's items as the writes before it in the batch leave them, and
 * all commit together under one condition on the run's write guard, or none does (then the
 * batch is read and decided again, like a single write). A refusal is answered to its own
 * writer alone; the others still commit.
 */
async function writeBatch(
  handle: TableHandle,
  known: KnownRunItems,
  contended: ContendedRuns,
  runId: string,
  batch: PendingWrite[],
  reservable: boolean,
): Promise<Array<{ result: EventResult } | { error: unknown }> | 'lost'> {
  // After anything but a clean commit on remembered items, every later attempt reads.
  let mayRemember = true;
  let attempts = 0;
  return retryStaleWrites(
    async () => {
      // Lost to another process: a batch that can take positions stops racing for the guard.
      if (attempts++ > 0 && reservable) return 'lost' as const;
      for (;;) {
        const remembering = mayRemember;
        mayRemember = false;
        const staged = await stageBatch(handle, known, runId, batch, remembering, false);
        if (staged && staged !== 'guard') return staged;
      }
    },
    () => contended.lost(runId),
  );
}

/**
 * One attempt of `writeBatch` (or, `reserved`, of `writeReserved`); undefined when it was
 * decided on remembered items and must be decided again on a read (a refusal, or nothing to
 * write: only a commit proves them current); 'guard' when a reserved write is not possible.
 */
async function stageBatch(
  handle: TableHandle,
  known: KnownRunItems,
  runId: string,
  batch: PendingWrite[],
  mayRemember: boolean,
  reserved: boolean,
): Promise<Array<{ result: EventResult } | { error: unknown }> | 'guard' | undefined> {
  const now = Date.now();
  const keys = batch.flatMap((pending) => targetKeys(runId, pending.data));
  const { run, log, extra, remembered } = reserved
    ? { ...(await readRun(handle, runId, keys)), remembered: false }
    : await snapshotOf(
        handle,
        known,
        runId,
        keys,
        batch.map((pending) => guessedAbsent(pending.data)),
        mayRemember,
      );
  if (reserved && (!run || !log || log.lastSeq === undefined || log.endedAt !== undefined)) {
    return 'guard';
  }
  const write = new EventWrite(handle, runId, log, now, undefined, reserved);
  const outcomes: Array<Staged | { error: unknown }> = [];
  for (const [index, pending] of batch.entries()) {
    // Moved by an earlier event of this batch, the marker is proven; as read, it is checked.
    const marker =
      write.marker === markerOf(log)
        ? await provenMarker(handle, runId, log, pending.params?.stateUpdatedAt)
        : write.marker;
    const { facts, loaded } = factsFromItems(runId, pending.data, now, run, marker, [extra[index]]);
    const decided = decide(facts, { runId, event: pending.data, params: pending.params });
    if (decided.kind === 'reject') {
      if (remembered) return undefined;
      outcomes.push({ error: rejectionError(decided) });
      continue;
    }
    const written: WrittenItems = {};
    for (const change of decided.writes) {
      await addEntityWrite(handle, write, loaded, change, written);
    }
    const events = decided.events.map((planned) => write.event(planned, pending.params));
    outcomes.push({ plan: decided, loaded, written, events });
    const loadedUpTo = pending.params?.stateUpdatedAt;
    if (reserved && loadedUpTo !== undefined) {
      // The stored marker is past this snapshot although the log proved it current (its last
      // external position is void): only the guard can admit this write.
      if ((markerOf(log) ?? 0) > loadedUpTo) return 'guard';
      write.requireMarkerAtMost(loadedUpTo);
    }
  }
  if (write.items.length === 0 && remembered) return undefined;
  if (write.items.length > 0 && reserved) {
    await write.commit();
  } else if (write.items.length > 0) {
    await commitAndRemember(known, write, () =>
      outcomes.flatMap((outcome) =>
        'error' in outcome ? [] : changesOf(outcome.plan, outcome.loaded, outcome.written),
      ),
    );
  }

  const load = write.loader();
  const answered: Array<{ result: EventResult } | { error: unknown }> = [];
  for (const outcome of outcomes) {
    if ('error' in outcome) answered.push(outcome);
    else {
      const { plan, loaded, written, events } = outcome;
      answered.push({ result: await resultOf(plan, loaded, written, events, load) });
    }
  }
  return answered;
}

/** One write: take the facts, decide, write the plan under the run's guard; again if it lost. */
function writeEvent(
  handle: TableHandle,
  known: KnownRunItems,
  contended: ContendedRuns | undefined,
  runId: string | null,
  targetRunId: string,
  data: AnyEventRequest,
  params: CreateEventParams | undefined,
): Promise<EventResult> {
  // After anything but a clean commit on remembered items, every later attempt reads.
  let mayRemember = true;
  return retryStaleWrites(
    async () => {
      for (;;) {
        const remembering = mayRemember;
        mayRemember = false;
        const now = Date.now();
        const { facts, loaded, log, remembered } = runId
          ? await loadFacts(handle, known, targetRunId, data, params, now, remembering)
          : {
              facts: { now: new Date(now), runId: targetRunId },
              loaded: {},
              log: undefined,
              remembered: false,
            };
        const decided = decide(facts, { runId, event: data, params });
        // A refusal is never given on remembered items: read them and decide again.
        if (decided.kind === 'reject' && remembered) continue;
        const plan = acceptedOrThrow(decided);
        const write = new EventWrite(handle, plan.runId, log, now, params);
        const applied = await applyPlan(handle, known, write, loaded, plan, remembered);
        if (applied) return applied.result;
      }
    },
    runId ? () => contended?.lost(runId) : undefined,
  );
}

/**
 * Only the events that create a step or wait may take an item this process does not know as
 * absent: their puts require it to be, so a wrong guess loses the transaction.
 */
function guessedAbsent(data: AnyEventRequest): boolean {
  return data.eventType === 'step_created' || data.eventType === 'wait_created';
}

/**
 * The run, its guard and `keys` as one snapshot: remembered when every item is known (and
 * `mayRemember`), otherwise read and recorded. A `hook_created` (token) always reads. A
 * `run_created` for a run this process does not know guesses it absent: its run and guard puts
 * require that, so a wrong guess loses the transaction and the retry reads.
 */
async function snapshotOf(
  handle: TableHandle,
  known: KnownRunItems,
  runId: string,
  keys: ItemKey[],
  absentIfUnknown: boolean[],
  mayRemember: boolean,
  creatingRun = false,
): Promise<Awaited<ReturnType<typeof readRun>> & { remembered: boolean }> {
  const readsToken = keys.some(isTokenKey);
  if (mayRemember && !readsToken) {
    const snapshot = known.snapshot(runId, keys, absentIfUnknown);
    if (snapshot) return { ...snapshot, remembered: true };
    if (creatingRun && !known.has(runId)) {
      return { run: undefined, log: undefined, extra: keys.map(() => undefined), remembered: true };
    }
  }
  const snapshot = await readRun(handle, runId, keys);
  known.read(runId, snapshot.run, snapshot.log, keys, snapshot.extra);
  return { ...snapshot, remembered: false };
}

/** Commits `write`, then records what it left (`changes`, called after); a failure forgets the run. */
async function commitAndRemember(
  known: KnownRunItems,
  write: EventWrite,
  changes: () => ItemChange[],
  run?: RunItem,
): Promise<void> {
  try {
    await write.commit();
  } catch (error) {
    known.forget(write.runId);
    throw error;
  }
  const changed = changes();
  const runItem =
    run ??
    (changed.find((change) => change.key.sk === runKey(write.runId).sk)
      ?.item as unknown as RunItem);
  if (!runItem || isTerminalWorkflowRunStatus(runItem.status)) {
    known.forget(write.runId);
    return;
  }
  known.wrote(write.runId, write.previousGuard, write.logAfter, runItem, changed);
}

/** The items a committed plan put or deleted, as `KnownRunItems` records them. */
function changesOf(plan: Acceptance, loaded: LoadedItems, written: WrittenItems): ItemChange[] {
  const runId = plan.runId;
  const changes: ItemChange[] = [];
  const run = written.run ?? loaded.run;
  if (run) changes.push({ key: runKey(runId), item: run });
  if (written.step) {
    const { status, stepId } = written.step;
    const settled = status === 'completed' || status === 'failed' || status === 'cancelled';
    changes.push({ key: stepKey(runId, stepId), item: written.step, settled });
  }
  if (written.wait) {
    const { status, waitId } = written.wait;
    changes.push({
      key: waitKey(runId, waitId),
      item: written.wait,
      settled: status === 'completed',
    });
  }
  if (written.hook) changes.push({ key: hookKey(runId, written.hook.hookId), item: written.hook });
  for (const change of plan.writes) {
    if (change.entity === 'hook' && change.op === 'delete') {
      changes.push({ key: hookKey(runId, change.hookId), item: null });
    }
  }
  return changes;
}

/** The keys of the items an event's facts come from, besides the run and its guard. */
function targetKeys(runId: string, data: AnyEventRequest) {
  const id = ('correlationId' in data && data.correlationId) || '';
  const family = data.eventType.slice(0, 4);
  return family === 'step'
    ? [stepKey(runId, id)]
    : family === 'hook'
      ? [
          hookKey(runId, id),
          ...(data.eventType === 'hook_created' ? [tokenKey(data.eventData.token)] : []),
        ]
      : family === 'wait'
        ? [waitKey(runId, id)]
        : [];
}

async function loadFacts(
  handle: TableHandle,
  known: KnownRunItems,
  runId: string,
  data: AnyEventRequest,
  params: CreateEventParams | undefined,
  now: number,
  mayRemember: boolean,
): Promise<{
  facts: EventFacts;
  loaded: LoadedItems;
  log: Awaited<ReturnType<typeof readRun>>['log'];
  remembered: boolean;
}> {
  const keys = targetKeys(runId, data);
  const snapshot = await snapshotOf(
    handle,
    known,
    runId,
    keys,
    keys.map(() => guessedAbsent(data)),
    mayRemember,
    data.eventType === 'run_created',
  );
  const { run, log, remembered } = snapshot;
  const marker = await provenMarker(handle, runId, log, params?.stateUpdatedAt);
  const { facts, loaded } = factsFromItems(runId, data, now, run, marker, snapshot.extra);
  const [, token] = snapshot.extra;
  if (run && token) {
    const holder = token as unknown as TokenItem;
    if (await holderIsLive(handle, holder)) {
      facts.tokenHolder = { runId: holder.runId, hookId: holder.hookId };
    } else {
      // Left behind by a run whose ending had no room to release it: free to take over.
      loaded.staleToken = holder;
    }
  }
  return { facts, loaded, log, remembered };
}

/** The facts `decide` reads, from the run, its marker and the targeted item (token aside). */
function factsFromItems(
  runId: string,
  data: AnyEventRequest,
  now: number,
  run: RunItem | undefined,
  marker: number | undefined,
  extra: Array<Record<string, unknown> | undefined>,
): { facts: EventFacts; loaded: LoadedItems } {
  const family = data.eventType.slice(0, 4);
  const facts: EventFacts = { now: new Date(now), runId };
  const loaded: LoadedItems = {};
  if (!run) return { facts, loaded };
  loaded.run = run;
  facts.run = {
    status: run.status,
    specVersion: run.specVersion,
    externalUpdateAt: marker,
  };
  const [target] = extra;
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
  if (family === 'wait' && target) {
    const wait = target as unknown as WaitItem;
    loaded.wait = wait;
    facts.wait = { status: wait.status };
  }
  return { facts, loaded };
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
  known: KnownRunItems,
  write: EventWrite,
  loaded: LoadedItems,
  plan: Acceptance,
  remembered: boolean,
): Promise<{ result: EventResult; written: WrittenItems } | undefined> {
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
  if (events.length > 0 || write.items.length > 0) {
    await commitAndRemember(known, write, () => changesOf(plan, loaded, written));
  } else if (remembered) {
    // Nothing to write, so no guard condition proved the remembered items current.
    return undefined;
  }
  return { result: await resultOf(plan, loaded, written, events, write.loader()), written };
}

/** What the writer of an applied plan gets back: its last event and the entity it asked for. */
async function resultOf(
  plan: Acceptance,
  loaded: LoadedItems,
  written: WrittenItems,
  events: Event[],
  load: LoadBlob,
): Promise<EventResult> {
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
