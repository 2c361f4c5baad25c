import type { Event, Hook, Step, Wait, WorkflowRun } from '@workflow/world';
import { OrderedList } from './ordered-list.js';

/** Everything stored for one run. Entity objects are owned here and only leave as copies. */
export interface RunRecord {
  run: WorkflowRun;
  /** The run's event log, ordered by event id (ULIDs sort by time). */
  events: OrderedList<Event>;
  eventsById: Map<string, Event>;
  steps: Map<string, Step>;
  stepOrder: OrderedList<Step>;
  /** Waits by correlation id; dropped when the run ends. */
  waits: Map<string, Wait>;
  /** Live hooks of this run; dropped when disposed or when the run ends. */
  hooks: OrderedList<Hook>;
  /** Every hook id this run ever created, so a disposed hook cannot be created twice. */
  createdHookIds: Set<string>;
  /**
   * ULID time (ms) of the newest event that arrived from outside a replay (a step result or a
   * hook payload). A replay that loaded an older snapshot must reload before writing.
   */
  externalUpdateAt: number;
}

export const keyByCreation = (entity: { createdAt: Date }, id: string) => ({
  at: entity.createdAt.getTime(),
  id,
});

/** In-memory indexes over all runs; the single source of truth while the process runs. */
export class StorageState {
  readonly runs = new Map<string, RunRecord>();
  readonly runOrder = new OrderedList<RunRecord>((record) =>
    keyByCreation(record.run, record.run.runId),
  );
  readonly hooks = new Map<string, Hook>();
  readonly hookIdByToken = new Map<string, string>();
  readonly hookOrder = new OrderedList<Hook>((hook) => keyByCreation(hook, hook.hookId));
  readonly runIdByStepId = new Map<string, string>();
  /** Events by correlation id across all runs (a correlation id is unique only within its run). */
  readonly eventsByCorrelationId = new Map<string, OrderedList<Event>>();

  addRun(run: WorkflowRun): RunRecord {
    const record: RunRecord = {
      run,
      events: new OrderedList(byEventId),
      eventsById: new Map(),
      steps: new Map(),
      stepOrder: new OrderedList((step) => keyByCreation(step, step.stepId)),
      waits: new Map(),
      hooks: new OrderedList((hook) => keyByCreation(hook, hook.hookId)),
      createdHookIds: new Set(),
      externalUpdateAt: 0,
    };
    this.runs.set(run.runId, record);
    this.runOrder.insert(record);
    return record;
  }

  addEvent(record: RunRecord, event: Event): void {
    record.events.insert(event);
    record.eventsById.set(event.eventId, event);
    const correlationId = event.correlationId;
    if (correlationId === undefined) return;
    let list = this.eventsByCorrelationId.get(correlationId);
    if (!list) {
      list = new OrderedList(byEventId);
      this.eventsByCorrelationId.set(correlationId, list);
    }
    list.insert(event);
  }

  addStep(record: RunRecord, step: Step): void {
    record.steps.set(step.stepId, step);
    record.stepOrder.insert(step);
    this.runIdByStepId.set(step.stepId, step.runId);
  }

  addHook(record: RunRecord, hook: Hook): void {
    this.hooks.set(hook.hookId, hook);
    this.hookIdByToken.set(hook.token, hook.hookId);
    this.hookOrder.insert(hook);
    record.hooks.insert(hook);
    record.createdHookIds.add(hook.hookId);
  }

  removeHook(record: RunRecord, hook: Hook): void {
    this.hooks.delete(hook.hookId);
    if (this.hookIdByToken.get(hook.token) === hook.hookId) this.hookIdByToken.delete(hook.token);
    this.hookOrder.remove(hook);
    record.hooks.remove(hook);
  }

  /** A finished run releases its hook tokens for reuse and forgets its waits. */
  releaseRunResources(record: RunRecord): void {
    for (const hook of record.hooks.values()) {
      this.removeHook(record, hook);
    }
    record.waits.clear();
  }

  /** The live hook holding `token`, if any. */
  hookByToken(token: string): Hook | undefined {
    const hookId = this.hookIdByToken.get(token);
    return hookId === undefined ? undefined : this.hooks.get(hookId);
  }
}

function byEventId(event: Event) {
  return { at: 0, id: event.eventId };
}
