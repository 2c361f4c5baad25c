/**
 * Where a committed chunk's bytes live: in memory (memory mode) or at a payload offset in the
 * journal (data-dir mode, so a long history does not have to fit in memory).
 */
export type StoredChunk =
  | { at: 'memory'; data: Uint8Array }
  | { at: 'journal'; offset: number; length: number };

export interface StreamEntry {
  readonly chunks: StoredChunk[];
  closed: boolean;
  /** Wake-ups for readers waiting for the next chunk or the close. */
  readonly waiters: Set<() => void>;
}

/**
 * The committed state of every stream: chunks in index order, whether each stream is closed,
 * and which streams each run wrote. Only committed writes are applied, so a reader never sees
 * a chunk that a crash could take back.
 */
export interface StreamIndex {
  /** The stream's entry, created empty if nobody has written it yet (readers may come first). */
  entry(name: string): StreamEntry;
  peek(name: string): StreamEntry | undefined;
  /** Appends a chunk; returns false (and stores nothing) when the stream is already closed. */
  appendChunk(name: string, runId: string, chunk: StoredChunk): boolean;
  /** Returns false when the stream was already closed. */
  close(name: string, runId: string): boolean;
  streamsOfRun(runId: string): string[];
  /** Wakes every waiting reader, e.g. so they can notice the streamer shutting down. */
  wakeAll(): void;
}

export function createStreamIndex(): StreamIndex {
  const streams = new Map<string, StreamEntry>();
  // Insertion-ordered sets: listStreamsByRunId reports streams in the order they were first written.
  const runs = new Map<string, Set<string>>();

  const entry = (name: string) => {
    let found = streams.get(name);
    if (!found) {
      found = { chunks: [], closed: false, waiters: new Set() };
      streams.set(name, found);
    }
    return found;
  };

  const associate = (runId: string, name: string) => {
    let names = runs.get(runId);
    if (!names) {
      names = new Set();
      runs.set(runId, names);
    }
    names.add(name);
  };

  const wake = (target: StreamEntry) => {
    const waiters = [...target.waiters];
    target.waiters.clear();
    for (const waiter of waiters) waiter();
  };

  return {
    entry,
    peek: (name) => streams.get(name),
    appendChunk(name, runId, chunk) {
      const target = entry(name);
      associate(runId, name);
      if (target.closed) return false;
      target.chunks.push(chunk);
      wake(target);
      return true;
    },
    close(name, runId) {
      const target = entry(name);
      associate(runId, name);
      if (target.closed) return false;
      target.closed = true;
      wake(target);
      return true;
    },
    streamsOfRun: (runId) => [...(runs.get(runId) ?? [])],
    wakeAll() {
      for (const target of streams.values()) wake(target);
    },
  };
}
