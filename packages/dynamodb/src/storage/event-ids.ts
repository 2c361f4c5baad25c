import { decodeTime, encodeTime, incrementBase32, monotonicFactory } from 'ulid';

const nextUlid = monotonicFactory();

/** Monotonic ULIDs for run ids, creation order keys and blob ids. */
export const newUlid = (): string => nextUlid();

const EVENT_PREFIX = 'evnt_';
/** Characters of a ULID's time part; the 16 after it are its "random" part. */
const TIME_CHARS = 10;
/** Characters of the sequence number inside a sequenced event id's random part. */
const SEQ_CHARS = 10;
/** What pads a 10-character time field to a whole ULID, for decoding it. */
const ZERO_RANDOM = '0'.repeat(16);

/**
 * The id of a run's event number `seq` (1, 2, ... in log order; `sequenced-events.ts`). It
 * is a ULID, as the runtime expects (it sends back the ULID time of the newest event it
 * loaded as `stateUpdatedAt`), made from the sequence number instead of a clock:
 *
 * - time part: `idBase + seq`, where `idBase` is fixed when the run is created (its creation
 *   time), so ids decode to a time near the run's start and sort exactly in log order across
 *   processes whatever their clocks say;
 * - random part: six characters of the run id (ids of different runs differ) and `seq`.
 *
 * Because an id is a function of its position, a reader can name the item a missing position
 * would be written to, and close that position (`sequenced-events.ts`).
 */
export function sequencedEventId(runId: string, idBase: number, seq: number): string {
  const runTag = runId.slice(-6).toUpperCase().padStart(6, '0');
  return `${EVENT_PREFIX}${encodeTime(idBase + seq, TIME_CHARS)}${runTag}${encodeTime(seq, SEQ_CHARS)}`;
}

/** The position in its run's log of a sequenced event id; undefined for another id. */
export function sequenceOf(eventId: string): number | undefined {
  if (!eventId.startsWith(EVENT_PREFIX)) return undefined;
  const ulidPart = eventId.slice(EVENT_PREFIX.length);
  if (ulidPart.length !== 26) return undefined;
  try {
    const seq = decodeTime(`${ulidPart.slice(-SEQ_CHARS)}${ZERO_RANDOM}`);
    return seq > 0 && decodeTime(ulidPart) - seq >= 0 ? seq : undefined;
  } catch {
    return undefined;
  }
}

/** The `idBase` of the run a sequenced event id belongs to. */
export function idBaseOf(eventId: string, seq: number): number {
  return eventIdTime(eventId) - seq;
}

/**
 * The next event id of a run written before event ids were sequenced: a ULID greater than the
 * run's last one. The run's write guard makes writers of such a run take turns, so ids issued
 * this way sort in commit order even when writers run in different processes.
 */
export function nextEventId(lastEventId: string | undefined): string {
  const candidate = nextUlid();
  const last = lastEventId?.startsWith(EVENT_PREFIX)
    ? lastEventId.slice(EVENT_PREFIX.length)
    : undefined;
  if (!last || candidate > last) return `${EVENT_PREFIX}${candidate}`;
  return `${EVENT_PREFIX}${incrementBase32(last)}`;
}

/** The ULID time (epoch ms) of an event id. */
export function eventIdTime(eventId: string): number {
  return decodeTime(
    eventId.startsWith(EVENT_PREFIX) ? eventId.slice(EVENT_PREFIX.length) : eventId,
  );
}
