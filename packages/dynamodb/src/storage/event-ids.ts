import { decodeTime, incrementBase32, monotonicFactory } from 'ulid';

const nextUlid = monotonicFactory();

/** Monotonic ULIDs for run ids, creation order keys and blob ids. */
export const newUlid = (): string => nextUlid();

const EVENT_PREFIX = 'evnt_';

/**
 * The next event id of a run: a ULID greater than the run's last one. The run's write guard
 * makes writers of one run take turns, so ids issued this way sort in commit order even when
 * writers run in different processes with skewed clocks.
 */
export function nextEventId(lastEventId: string | undefined): string {
  const candidate = nextUlid();
  const last = lastEventId?.startsWith(EVENT_PREFIX)
    ? lastEventId.slice(EVENT_PREFIX.length)
    : undefined;
  if (!last || candidate > last) return `${EVENT_PREFIX}${candidate}`;
  return `${EVENT_PREFIX}${incrementBase32(last)}`;
}

/** The ULID time (epoch ms) of an event id: when the event was written. */
export function eventIdTime(eventId: string): number {
  return decodeTime(
    eventId.startsWith(EVENT_PREFIX) ? eventId.slice(EVENT_PREFIX.length) : eventId,
  );
}
