import type { LogItem } from './entity-items.js';
import { eventIdTime } from './event-ids.js';

/**
 * The optimistic-concurrency guard of `CreateEventParams.stateUpdatedAt` (`@workflow/world`
 * ≥ 4.5). A replay sends the ULID time of the newest event it loaded; the run remembers its
 * newest *external* event — a `step_completed` or `hook_received` written without
 * `stateUpdatedAt` (a step worker, a hook delivery) — and a create whose snapshot is older than
 * that was decided without seeing it, so the shared state machine (`decide`, `@worldkit/core`)
 * refuses it with 412.
 *
 * The marker lives on the run's write guard (`#LOG`). On runs with log positions
 * (`sequenced-events.ts`) it is a position, `externalSeq`, and an event id's time is
 * `idBase + position`, so `stateUpdatedAt` is a position too and the comparison involves no
 * clock:
 *
 * - A guarded write reads the marker in the snapshot it decides on and commits under
 *   `lastSeq = :whatWeRead`: an external event that takes a position after that read cancels
 *   the commit, and the retry sees the new marker and refuses.
 * - A reserved write moves the marker in the `UpdateItem` that takes its positions, and a
 *   replay's reserved create is refused there if the marker is past what it loaded
 *   (`log-positions.ts`).
 * - A marker left on a void position (its write failed) is checked against the log before it
 *   refuses anything (`proven-marker.ts`).
 *
 * Runs stored before positions existed keep `externalUpdateAt`, the ULID time of their newest
 * external event, under the `lastEventId` guard: writers take turns, so the new value is
 * `max(read, event time)` written with a plain `SET` (`markerAfter`). Runs written before the
 * marker existed have neither attribute: the guard is open for them until their next external
 * event, which is what the contract allows ("a backend that ignores this field simply disables
 * the guard").
 */

/** The marker of an older run (no positions) after an external event with this id. */
export function markerAfter(marker: number | undefined, eventId: string): number {
  return Math.max(marker ?? 0, eventIdTime(eventId));
}

/** The run's marker as a ULID time, from its write guard (either kind of run). */
export function markerOf(log: LogItem | undefined): number | undefined {
  if (!log) return undefined;
  if (log.lastSeq === undefined) return log.externalUpdateAt;
  return log.externalSeq === undefined ? undefined : (log.idBase ?? 0) + log.externalSeq;
}
