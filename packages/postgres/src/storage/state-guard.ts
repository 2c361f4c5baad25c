import type { CreateEventParams, Event } from '@workflow/world';
import { decodeTime } from 'ulid';

/**
 * The optional optimistic-concurrency guard of `CreateEventParams.stateUpdatedAt`
 * (`@workflow/world` 4.5). `runs.external_update_at` holds the ULID time of the run's newest
 * `step_completed` / `hook_received` written without `stateUpdatedAt`; a create whose snapshot is
 * older was decided by a replay that had not seen that event, and the shared state machine
 * (`decide`, `@worldkit/core`) refuses it with 412. Both the check and the advance run under the
 * run's row lock, so they are ordered against every other writer of the run.
 */

/**
 * The marker value an event sets, or `undefined` when it leaves the marker alone: only results
 * and payloads arriving from outside a replay (no `stateUpdatedAt`) move it.
 */
export function markerAdvance(
  eventType: Event['eventType'],
  eventId: string,
  params: CreateEventParams | undefined,
): number | undefined {
  if (eventType !== 'step_completed' && eventType !== 'hook_received') return undefined;
  if (params?.stateUpdatedAt !== undefined) return undefined;
  return decodeTime(eventId.slice(eventId.lastIndexOf('_') + 1));
}
