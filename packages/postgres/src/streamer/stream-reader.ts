import type pg from 'pg';
import type { NotificationHub } from '../connection/notification-hub.js';
import type { TableNames } from '../connection/table-names.js';

/** Safety-net poll for a live reader, in case a notification was lost during a reconnect. */
const POLL_MS = 1_000;
const CHUNKS_PER_READ = 100;

export interface StreamReaderSettings {
  pool: pg.Pool;
  tables: TableNames;
  hub: NotificationHub;
  channel: string;
  name: string;
  startIndex: number;
  /** Registers a stop function with the streamer (so `close()` ends open readers); returns its removal. */
  track(stop: () => void): () => void;
}

/**
 * A live `ReadableStream` over one stream's chunks: replays what exists from `startIndex`
 * (negative counts back from the current end), then waits for NOTIFY and reads on, and ends
 * once the stream is closed and every chunk was delivered.
 */
export async function openStreamReader(
  settings: StreamReaderSettings,
): Promise<ReadableStream<Uint8Array>> {
  const { pool, tables, name } = settings;
  let wake: (() => void) | undefined;
  let signalled = false;
  let stopped = false;
  // Subscribe before the first read, so a chunk written in between still wakes us.
  const unsubscribe = await settings.hub.subscribe(settings.channel, (payload) => {
    if (payload !== '' && payload !== name) return;
    signalled = true;
    wake?.();
  });
  const stop = () => {
    stopped = true;
    wake?.();
  };
  const untrack = settings.track(stop);
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    untrack();
    await unsubscribe();
  };

  let next = settings.startIndex;
  if (next < 0) {
    const count = await pool.query<{ chunk_count: number }>(
      `SELECT chunk_count FROM ${tables.streams} WHERE stream_name = $1`,
      [name],
    );
    next = Math.max(0, (count.rows[0]?.chunk_count ?? 0) + next);
  }

  const waitForChange = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, POLL_MS);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        if (stopped) {
          await cleanup();
          controller.close();
          return;
        }
        signalled = false;
        const chunks = await pool.query<{ chunk_index: number; data: Buffer }>(
          `SELECT chunk_index, data FROM ${tables.streamChunks}
           WHERE stream_name = $1 AND chunk_index >= $2 ORDER BY chunk_index LIMIT $3`,
          [name, next, CHUNKS_PER_READ],
        );
        let delivered = 0;
        for (const row of chunks.rows) {
          // Concurrent writers may commit out of order; never skip over a gap.
          if (row.chunk_index !== next) break;
          controller.enqueue(new Uint8Array(row.data));
          next++;
          delivered++;
        }
        if (delivered > 0) return;
        const stream = await pool.query<{ done: boolean; chunk_count: number }>(
          `SELECT done, chunk_count FROM ${tables.streams} WHERE stream_name = $1`,
          [name],
        );
        const state = stream.rows[0];
        if (state?.done && next >= state.chunk_count) {
          await cleanup();
          controller.close();
          return;
        }
        if (state?.done) continue; // closed, but chunks are still to be read
        if (!signalled) await waitForChange();
      }
    },
    async cancel() {
      stopped = true;
      wake?.();
      await cleanup();
    },
  });
}
