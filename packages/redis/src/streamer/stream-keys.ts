/**
 * Where a stream lives in Redis. Streams are keyed by name alone because `readFromStream`
 * receives no run id; the runtime's stream names are unique ULIDs.
 */
export interface StreamKeys {
  /** The Redis stream holding the chunks, then one end marker. */
  chunks(name: string): string;
  /** Sorted set of the streams a run wrote or closed, scored by first use (so listed in order). */
  runStreams(runId: string): string;
}

export function streamKeys(prefix: string): StreamKeys {
  return {
    chunks: (name) => `${prefix}:stream:${name}`,
    runStreams: (runId) => `${prefix}:run-streams:${runId}`,
  };
}
