/**
 * Knows the moment each run reaches a terminal state, by watching the World's own
 * `events.create` calls for run_completed / run_failed / run_cancelled.
 *
 * Why not `run.returnValue`: the runtime polls `runs.get` once per second, which would
 * quantise latencies to whole seconds and add read load that differs between Worlds.
 * Wrapping `events.create` costs one map lookup per event and is identical for every World.
 */
import { onEventWritten } from './event-written.mjs';

export const TERMINAL_EVENTS = new Set(['run_completed', 'run_failed', 'run_cancelled']);

export function trackCompletions(world) {
  const waiting = new Map();
  const finished = new Map();
  onEventWritten(world, (runId, event) => {
    if (!TERMINAL_EVENTS.has(event?.eventType)) return;
    const outcome = { status: event.eventType, at: performance.now() };
    finished.set(runId, outcome);
    waiting.get(runId)?.(outcome);
    waiting.delete(runId);
  });

  return {
    /** Resolves with `{ status, at }` when the run's terminal event is written. */
    completion(runId) {
      const done = finished.get(runId);
      if (done) return Promise.resolve(done);
      return new Promise((resolve) => waiting.set(runId, resolve));
    },
  };
}
