import { getMaxEventsPerRun } from '@workflow/world';
import type { AnyEventRequest, EventFacts, EventRequest } from './facts.js';
import type { Acceptance, EntityWrite, PlannedEvent } from './plan.js';

export type Request<T extends AnyEventRequest['eventType']> = Extract<
  AnyEventRequest,
  { eventType: T }
>;

/** One decision's inputs, shared by the event families. */
export interface Context {
  facts: EventFacts;
  request: EventRequest;
  runId: string;
  specVersion: number;
  now: Date;
  resolveData: 'all' | 'none';
}

export function plannedEvent(context: Context, event: AnyEventRequest): PlannedEvent {
  const occurredAt = context.request.params?.occurredAt;
  const planned: PlannedEvent = {
    eventType: event.eventType,
    specVersion: context.specVersion,
    external:
      (event.eventType === 'step_completed' || event.eventType === 'hook_received') &&
      context.request.params?.stateUpdatedAt === undefined,
  };
  if ('correlationId' in event && event.correlationId !== undefined) {
    planned.correlationId = event.correlationId;
  }
  // The run's input belongs on run_created; run_started only marks the transition.
  if ('eventData' in event && event.eventData !== undefined && event.eventType !== 'run_started') {
    planned.eventData = event.eventData;
  }
  if (occurredAt) planned.occurredAt = new Date(occurredAt.getTime());
  return planned;
}

export function accept(
  context: Context,
  events: PlannedEvent[],
  writes: EntityWrite[] = [],
  entity?: 'run' | 'step' | 'hook' | 'wait',
  preloadEvents = false,
): Acceptance {
  return {
    kind: 'accept',
    runId: context.runId,
    events,
    writes,
    respond: {
      ...(entity ? { entity } : {}),
      preloadEvents,
      ...(entity === 'run' ? { maxEvents: getMaxEventsPerRun() } : {}),
      resolveData: context.resolveData,
    },
  };
}

/** Errors arrive as strings or error-like objects; entities always get `{ message, stack }`. */
export function structuredError(
  error: unknown,
  stack?: string,
): { message: string; stack?: string } {
  const source = (typeof error === 'object' && error !== null ? error : {}) as {
    message?: unknown;
    stack?: unknown;
  };
  const message =
    typeof error === 'string'
      ? error
      : typeof source.message === 'string'
        ? source.message
        : 'Unknown error';
  const resolvedStack = stack ?? (typeof source.stack === 'string' ? source.stack : undefined);
  return resolvedStack === undefined ? { message } : { message, stack: resolvedStack };
}

export function toDate(value: Date | string | number): Date {
  return value instanceof Date ? value : new Date(value);
}
