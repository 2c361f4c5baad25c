import type { Redis } from 'ioredis';
import { parseEntry, type RawEntry, type StreamState, stateOf } from './stream-entries.js';
import type { TailWatcher } from './tail-watcher.js';

/** Entries fetched per round trip; bounds memory per reader (chunks can be large). */
const READ_BATCH = 32;

export interface ChunkReader {
  stream: ReadableStream<Uint8Array>;
  /** Ends the reader with `error` (the streamer is closing). */
  fail(error: Error): void;
}

/** Chunks after `position` plus the stream's current state, read in one MULTI. */
export async function readAfter(
  client: Redis,
  key: string,
  position: number,
  count: number,
): Promise<{ entries: RawEntry[]; state: StreamState }> {
  const replies = await client
    .multi()
    .xrangeBuffer(key, `(0-${position}`, '+', 'COUNT', count)
    .xrevrangeBuffer(key, '+', '-', 'COUNT', 1)
    .exec();
  if (!replies) throw new Error('@worldkit/redis: a stream read was aborted');
  for (const [error] of replies) if (error) throw error;
  return {
    entries: replies[0][1] as RawEntry[],
    state: stateOf(replies[1][1] as RawEntry[]),
  };
}

/**
 * A pull-based reader: it fetches a batch only when the consumer asks for more, so a slow
 * consumer holds at most one batch in memory. When it has caught up it waits on the shared
 * TailWatcher, and it ends at the end marker.
 */
export function openChunkReader(settings: {
  client: () => Promise<Redis>;
  key: string;
  /** Position of the last entry already accounted for; reading starts after it. */
  startAfter: number;
  watcher: TailWatcher;
  onFinished: () => void;
}): ChunkReader {
  const { key, watcher } = settings;
  const stopped = new AbortController();
  let position = settings.startAfter;
  let controllerRef: ReadableStreamDefaultController<Uint8Array> | undefined;

  const finish = () => {
    if (stopped.signal.aborted) return false;
    stopped.abort();
    settings.onFinished();
    return true;
  };

  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controllerRef = controller;
    },
    async pull(controller) {
      try {
        await pullInto(controller);
      } catch (error) {
        finish();
        throw error;
      }
    },
    cancel() {
      finish();
    },
  });

  async function pullInto(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    for (;;) {
      if (stopped.signal.aborted) return;
      const client = await settings.client();
      const { entries, state } = await readAfter(client, key, position, READ_BATCH);
      if (stopped.signal.aborted) return;
      let delivered = false;
      for (const raw of entries) {
        const entry = parseEntry(raw);
        if (entry.kind === 'end') {
          finish();
          controller.close();
          return;
        }
        position = entry.position;
        // Empty chunks keep their index but carry nothing to a byte stream.
        if (entry.data.byteLength > 0) {
          controller.enqueue(entry.data);
          delivered = true;
        }
      }
      if (delivered) return;
      if (entries.length > 0) continue;
      if (state.done) {
        finish();
        controller.close();
        return;
      }
      // Caught up: wait for any entry after the current last one (a chunk or the close).
      await watcher.waitForEntry(key, state.lastId, stopped.signal);
    }
  }

  return {
    stream,
    fail(error) {
      if (!finish()) return;
      try {
        controllerRef?.error(error);
      } catch {
        // Already closed or errored.
      }
    },
  };
}
