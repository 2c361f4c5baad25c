import type { CreateEventParams, Event, EventResult } from '@workflow/world';
import {
  type Acceptance,
  type AnyEventRequest,
  acceptedOrThrow,
  decide,
  type EventFacts,
} from '@worldkit/core';
import type { JournalEntry } from './apply-entry.js';
import { presentEvent, presentHook, presentRun, presentStep, presentWait } from './copies.js';
import { MAX_PAGE_SIZE, readPage } from './pagination.js';
import type { StorageState } from './storage-state.js';

/** Ids and time for one write, supplied by the caller so admission itself stays pure. */
export interface WriteContext {
  now: Date;
  newEventId(): string;
  newRunId(): string;
}

/**
 * What `events.create` will do: the entries to apply and journal (possibly none), and how to
 * answer the caller once they are applied. Deciding never mutates state, so a rejected write
 * leaves everything as it was.
 */
export interface Admission {
  entries: JournalEntry[];
  respond(state: StorageState): EventResult;
}

/**
 * Loads the facts the shared state machine (`decide` in `@worldkit/core`) reads from memory and
 * turns its plan into journal entries. The entries are events, whose entity changes
 * `applyEntry` derives (live and on replay alike); the plan's entity writes say the same thing.
 */
export function admitEvent(
  state: StorageState,
  runId: string | null,
  request: AnyEventRequest,
  params: CreateEventParams,
  context: WriteContext,
): Admission {
  const facts = loadFacts(state, runId ?? context.newRunId(), request, context.now);
  const plan = acceptedOrThrow(decide(facts, { runId, event: request, params }));
  const events = plan.events.map(({ external: _external, ...planned }) => ({
    ...planned,
    runId: plan.runId,
    eventId: context.newEventId(),
    createdAt: context.now,
  })) as Event[];
  const entries: JournalEntry[] = events.map((event, index) =>
    plan.events[index]?.external
      ? { kind: 'event', event, external: true }
      : { kind: 'event', event },
  );
  // Cancelling a legacy run changes the run without logging an event.
  if (events.length === 0 && plan.writes.length > 0) {
    entries.push({ kind: 'legacy-cancel', runId: plan.runId, at: context.now });
  }
  return { entries, respond: (current) => resultFor(current, plan, events.at(-1)) };
}

function loadFacts(
  state: StorageState,
  runId: string,
  request: AnyEventRequest,
  now: Date,
): EventFacts {
  const facts: EventFacts = { now, runId };
  const record = state.runs.get(runId);
  if (!record) return facts;
  const { run } = record;
  facts.run = {
    status: run.status,
    specVersion: run.specVersion,
    externalUpdateAt: record.externalUpdateAt,
  };
  const id = 'correlationId' in request ? request.correlationId : undefined;
  if (id === undefined) return facts;
  const family = request.eventType.slice(0, 4);
  if (family === 'step') facts.step = record.steps.get(id);
  if (family === 'wait') facts.wait = record.waits.get(id);
  if (family === 'hook') {
    facts.hook = state.hooks.get(id);
    facts.hookIdUsed = record.createdHookIds.has(id);
    if (request.eventType === 'hook_created') {
      facts.tokenHolder = state.hookByToken(request.eventData.token);
    }
  }
  return facts;
}

function resultFor(state: StorageState, plan: Acceptance, event: Event | undefined): EventResult {
  const { resolveData, entity, preloadEvents, maxEvents } = plan.respond;
  const record = state.runs.get(plan.runId)!;
  const result: EventResult = { event: event && presentEvent(event, resolveData) };
  const id = event?.correlationId as string;
  if (entity === 'run') {
    result.run = presentRun(record.run, resolveData) as EventResult['run'];
    result.maxEvents = maxEvents;
  } else if (entity === 'step') {
    result.step = presentStep(record.steps.get(id)!, resolveData) as EventResult['step'];
  } else if (entity === 'hook') {
    result.hook = presentHook(state.hooks.get(id)!, resolveData);
  } else if (entity === 'wait') {
    result.wait = presentWait(record.waits.get(id)!);
  }
  if (preloadEvents) {
    // Hand the runtime the log it is about to replay, saving an events.list round trip.
    const page = readPage(record.events, { limit: MAX_PAGE_SIZE }, 'asc', (stored) =>
      presentEvent(stored, resolveData),
    );
    result.events = page.data;
    result.cursor = page.cursor;
    result.hasMore = page.hasMore;
  }
  return result;
}
