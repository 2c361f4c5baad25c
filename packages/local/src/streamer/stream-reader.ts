import type { StoredChunk, StreamEntry } from './stream-index.js';

export interface ChunkReaderSource {
  entry: StreamEntry;
  /** Absolute index of the first chunk to deliver (already resolved from a negative start). */
  startIndex: number;
  load(chunk: StoredChunk): Promise<Uint8Array>;
  /** Non-null once the streamer is shutting down; open readers fail with it instead of hanging. */
  shutdownError(): Error | null;
  /**
   * Called when the reader starts waiting for chunks not written yet; returns what to call
   * once it stops waiting (a reader process uses it to look at the journal while it waits).
   */
  onWait?: () => () => void;
}

/**
 * A pull-based reader: it replays committed chunks from `startIndex`, then waits on the
 * stream's waiters for later ones and ends when the stream is closed. Pulling (rather than
 * pushing on every write) gives slow consumers backpressure and keeps journal reads lazy.
 */
export function openChunkReader(source: ChunkReaderSource): ReadableStream<Uint8Array> {
  const { entry } = source;
  let next = source.startIndex;
  let cancelled = false;
  let wakeWaiting: (() => void) | undefined;
  let stopFollowing: (() => void) | undefined;
  const stopWaiting = () => {
    stopFollowing?.();
    stopFollowing = undefined;
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      while (!cancelled) {
        const failure = source.shutdownError();
        if (failure) {
          stopWaiting();
          controller.error(failure);
          return;
        }
        if (next < entry.chunks.length) {
          const chunk = entry.chunks[next++];
          // Empty chunks keep their index but carry nothing to deliver (same as world-local).
          if (chunkLength(chunk) === 0) continue;
          const bytes = await source.load(chunk);
          if (cancelled) return;
          stopWaiting();
          controller.enqueue(bytes);
          return;
        }
        if (entry.closed) {
          stopWaiting();
          controller.close();
          return;
        }
        stopFollowing ??= source.onWait?.();
        await new Promise<void>((resolve) => {
          wakeWaiting = resolve;
          entry.waiters.add(resolve);
        });
        wakeWaiting = undefined;
      }
    },
    cancel() {
      cancelled = true;
      stopWaiting();
      if (wakeWaiting) {
        entry.waiters.delete(wakeWaiting);
        wakeWaiting();
      }
    },
  });
}

export function chunkLength(chunk: StoredChunk): number {
  return chunk.at === 'memory' ? chunk.data.byteLength : chunk.length;
}
