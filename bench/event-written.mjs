/**
 * Calls `listener(runId, event)` after each of the World's `events.create` calls succeeds, by
 * wrapping the method: the way the benchmark observes completions and hooks without sending
 * requests of its own (polling would, and they would be counted as the World's).
 */
export function onEventWritten(world, listener) {
  const events = world.events;
  const create = events.create;
  world.events = {
    ...events,
    async create(runId, event, ...rest) {
      const result = await create.call(events, runId, event, ...rest);
      listener(runId, event);
      return result;
    },
  };
}
