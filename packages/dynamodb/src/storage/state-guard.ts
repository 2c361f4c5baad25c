import { eventIdTime } from './event-ids.js';

/**
 * The optimistic-concurrency guard of `CreateEventParams.stateUpdatedAt` (`@workflow/world`
 * ≥ 4.5). A replay sends the ULID time of the newest event it loaded; the run remembers the ULID
 * time of its newest *external* event — a `step_completed` or `hook_received` written without
 * `stateUpdatedAt` (a step worker, a hook delivery) — and a create whose snapshot is strictly
 * older than that was decided without seeing it, so the shared state machine (`decide`,
 * `@worldkit/core`) refuses it with 412.
 *
 * The marker lives on the run's write guard (`#LOG`, attribute `externalUpdateAt`) rather than
 * on the run item, because every event write already updates that item with the condition
 * `lastEventId = :whatWeRead`. That condition makes both halves exact without a DynamoDB-side
 * comparison:
 *
 * - Checking: the marker is read in the same `TransactGetItems` snapshot the event is decided on.
 *   If an external event commits after that read, our transaction's guard condition fails, the
 *   attempt is retried on a fresh snapshot, and the decision then sees the new marker and refuses.
 *   So a refused create throws before anything is written, and a stale create can never slip in
 *   behind a racing external write.
 * - Advancing: writers of one run take turns, so the marker read is the current one and the new
 *   value can be computed here (`max(read, event time)`) and written with a plain `SET` — two
 *   concurrent external writes cannot interleave, the loser re-reads the winner's marker. Event
 *   ids are also forced above the run's `lastEventId`, so the event time never lies behind the
 *   marker anyway; the `max` only states the invariant.
 *
 * Runs written before the marker existed have no attribute: the guard is open for them until
 * their next external event, which is what the contract allows ("a backend that ignores this
 * field simply disables the guard").
 */
export function markerAfter(marker: number | undefined, eventId: string): number {
  return Math.max(marker ?? 0, eventIdTime(eventId));
}
