import { onEventWritten } from './event-written.mjs';

/**
 * Knows when a run's hook exists, by watching the World's `events.create` calls for
 * `hook_created` — the same wrapper technique as completion-tracker.mjs, so waiting for the
 * hook sends no requests of its own (polling `hooks.getByToken` would, and they would be
 * counted as the run's).
 */
export function watchHooks(world) {
  const waiting = new Map();
  const created = new Set();
  onEventWritten(world, (runId, event) => {
    if (event?.eventType !== 'hook_created') return;
    created.add(runId);
    waiting.get(runId)?.();
    waiting.delete(runId);
  });
  return {
    /** Resolves once the run's `hook_created` event is written (stored with its hook). */
    hookCreated(runId) {
      if (created.has(runId)) return Promise.resolve();
      return new Promise((resolve) => waiting.set(runId, resolve));
    },
  };
}
