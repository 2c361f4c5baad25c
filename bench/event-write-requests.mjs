/**
 * Network requests per event write: wraps the World's `events.create` so that each call runs
 * inside the round-trip counter's AsyncLocalStorage context (round-trip-counter.mjs `within`),
 * so every request the write causes — a transaction's BEGIN, lock, writes and COMMIT, a
 * DynamoDB TransactGet + TransactWrite — is counted against it, whichever pooled connection or
 * batch carries it. Requests of other callers at the same time (queue polls, reads, sends) are
 * outside the context and not counted here.
 *
 * A World that batches the writes of several waiting calls into one request sends it from one
 * of their contexts, so the figure is requests per call on average and may be below 1.
 */
import { round } from './stats.mjs';

/** The counter's label for one event type's writes: requests are kept apart by type. */
const labelOf = (eventType) => `events.create ${eventType}`;

export function attributeEventWrites(world, roundTrips) {
  /** eventType → calls */
  const calls = new Map();
  const events = world.events;
  const create = events.create;
  world.events = {
    ...events,
    create(...args) {
      const eventType = args[1]?.eventType ?? 'unknown';
      calls.set(eventType, (calls.get(eventType) ?? 0) + 1);
      return roundTrips.within(labelOf(eventType), () => create.apply(events, args));
    },
  };
  return {
    /** Forgets the calls counted so far (the round-trip counter is reset on its own). */
    reset() {
      calls.clear();
    },
    /**
     * `{ calls, requests, perCall, byKind, byEventType }` since the last reset of both
     * counters; `byEventType` gives each event type's calls and requests per call.
     */
    snapshot() {
      let totalCalls = 0;
      let totalRequests = 0;
      const byKind = {};
      const byEventType = {};
      for (const [eventType, count] of [...calls].sort((a, b) => b[1] - a[1])) {
        const { total, byKind: kinds } = roundTrips.snapshotOf(labelOf(eventType));
        totalCalls += count;
        totalRequests += total;
        for (const [kind, value] of Object.entries(kinds))
          byKind[kind] = (byKind[kind] ?? 0) + value;
        byEventType[eventType] = { calls: count, perCall: round(total / count, 2) };
      }
      return {
        calls: totalCalls,
        requests: totalRequests,
        perCall: totalCalls ? round(totalRequests / totalCalls, 2) : null,
        byKind,
        byEventType,
      };
    },
  };
}
