import type { StreamChunksResponse, StreamInfoResponse } from '@workflow/world';
import type { Logger, StreamerInstance } from '@worldkit/core';
import { lazyConnection } from '../connection/shared-pool.js';
import { notifyChannel } from '../connection/table-names.js';
import { type PostgresSettings, resolvePostgresSettings } from '../settings.js';
import { openStreamReader } from './stream-reader.js';

const DEFAULT_CHUNK_PAGE = 100;
const MAX_CHUNK_PAGE = 1000;
/** NOTIFY payloads are capped at 8000 bytes; longer names wake every reader instead. */
const MAX_NOTIFY_NAME = 7000;

export type PostgresStreamer = StreamerInstance & {
  start(): Promise<void>;
  close(): Promise<void>;
};

const toBytes = (chunk: string | Uint8Array): Buffer =>
  typeof chunk === 'string'
    ? Buffer.from(chunk, 'utf8')
    : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);

/**
 * Streams in PostgreSQL: a row per stream (chunk count, closed flag) and a row per chunk.
 * Writers append with one statement that bumps the count and inserts at the old count, then
 * NOTIFY; live readers wait on the process's shared LISTEN connection, with a slow poll as a
 * safety net for notifications lost while reconnecting.
 */
export function createPostgresStreamer(
  settings: PostgresSettings = {},
  logger?: Logger,
): PostgresStreamer {
  const resolved = resolvePostgresSettings(settings);
  const connection = lazyConnection(resolved);
  const channel = notifyChannel(resolved.schema, 'streams');
  const openReaders = new Set<() => void>();
  /**
   * Per-stream chain of pending writes: calls issued back to back without awaiting (as the
   * runtime's flusher may) would otherwise race over separate pooled connections.
   */
  const writeChains = new Map<string, Promise<void>>();
  const inOrder = (name: string, write: () => Promise<void>): Promise<void> => {
    const previous = writeChains.get(name) ?? Promise.resolve();
    const current = previous.then(write, write);
    const settled = current.catch(() => undefined);
    writeChains.set(name, settled);
    void settled.then(() => {
      if (writeChains.get(name) === settled) writeChains.delete(name);
    });
    return current;
  };

  const notify = async (name: string) => {
    const { pool } = connection.get();
    await pool.query('SELECT pg_notify($1, $2)', [
      channel,
      name.length > MAX_NOTIFY_NAME ? '' : name,
    ]);
  };

  const append = async (name: string, runId: string, chunks: Array<string | Uint8Array>) => {
    if (chunks.length === 0) return;
    const { pool, tables } = await connection.ready();
    // The upsert row-locks the stream, so concurrent writers get disjoint index ranges; a closed
    // stream matches no row, so a late write is dropped rather than landing after the end.
    await pool.query(
      `WITH claimed AS (
         INSERT INTO ${tables.streams} AS s (stream_name, run_id, chunk_count)
         VALUES ($1, $2, $3)
         ON CONFLICT (stream_name) DO UPDATE
           SET chunk_count = s.chunk_count + $3, updated_at = now(),
               run_id = COALESCE(s.run_id, EXCLUDED.run_id)
           WHERE NOT s.done
         RETURNING chunk_count - $3 AS first_index)
       INSERT INTO ${tables.streamChunks} (stream_name, chunk_index, data)
       SELECT $1, claimed.first_index + chunk.ordinality - 1, chunk.data
       FROM claimed, unnest($4::bytea[]) WITH ORDINALITY AS chunk(data, ordinality)`,
      [name, runId, chunks.length, chunks.map(toBytes)],
    );
    await notify(name);
  };

  const close = async (name: string, runId: string) => {
    const { pool, tables } = await connection.ready();
    await pool.query(
      `INSERT INTO ${tables.streams} AS s (stream_name, run_id, done) VALUES ($1, $2, true)
         ON CONFLICT (stream_name) DO UPDATE
           SET done = true, updated_at = now(), run_id = COALESCE(s.run_id, EXCLUDED.run_id)`,
      [name, runId],
    );
    await notify(name);
  };

  return {
    // Writes are one round trip each; batching in the runtime buys little here.
    streamFlushIntervalMs: 0,
    writeToStream: (name, runId, chunk) => inOrder(name, () => append(name, runId, [chunk])),
    writeToStreamMulti: (name, runId, chunks) => inOrder(name, () => append(name, runId, chunks)),
    closeStream: (name, runId) => inOrder(name, () => close(name, runId)),
    async readFromStream(name, startIndex = 0) {
      const ready = await connection.ready();
      return openStreamReader({
        pool: ready.pool,
        tables: ready.tables,
        hub: logger ? ready.notifications().reportTo(logger) : ready.notifications(),
        channel,
        name,
        startIndex,
        track: (stop) => {
          openReaders.add(stop);
          return () => openReaders.delete(stop);
        },
      });
    },
    async listStreamsByRunId(runId) {
      const { pool, tables } = await connection.ready();
      const result = await pool.query<{ stream_name: string }>(
        `SELECT stream_name FROM ${tables.streams} WHERE run_id = $1 ORDER BY created_at, stream_name`,
        [runId],
      );
      return result.rows.map((row) => row.stream_name);
    },
    async getStreamChunks(name, _runId, options = {}): Promise<StreamChunksResponse> {
      const { pool, tables } = await connection.ready();
      const limit = Math.min(
        Math.max(Math.trunc(options.limit ?? DEFAULT_CHUNK_PAGE), 1),
        MAX_CHUNK_PAGE,
      );
      const from = options.cursor ? Number.parseInt(options.cursor, 10) : 0;
      // The closed flag is read first: a close follows the final write, so when it says done
      // the chunk query below already sees every chunk.
      const stream = await pool.query<{ done: boolean }>(
        `SELECT done FROM ${tables.streams} WHERE stream_name = $1`,
        [name],
      );
      const chunks = await pool.query<{ chunk_index: number; data: Buffer }>(
        `SELECT chunk_index, data FROM ${tables.streamChunks}
         WHERE stream_name = $1 AND chunk_index >= $2 ORDER BY chunk_index LIMIT $3`,
        [name, Number.isFinite(from) ? from : 0, limit + 1],
      );
      const hasMore = chunks.rows.length > limit;
      const rows = hasMore ? chunks.rows.slice(0, limit) : chunks.rows;
      const last = rows[rows.length - 1];
      return {
        data: rows.map((row) => ({ index: row.chunk_index, data: new Uint8Array(row.data) })),
        cursor: hasMore && last ? String(last.chunk_index + 1) : null,
        hasMore,
        done: !hasMore && (stream.rows[0]?.done ?? false),
      };
    },
    async getStreamInfo(name): Promise<StreamInfoResponse> {
      const { pool, tables } = await connection.ready();
      const result = await pool.query<{ chunk_count: number; done: boolean }>(
        `SELECT chunk_count, done FROM ${tables.streams} WHERE stream_name = $1`,
        [name],
      );
      const row = result.rows[0];
      return { tailIndex: (row?.chunk_count ?? 0) - 1, done: row?.done ?? false };
    },
    async start() {
      await connection.ready();
    },
    async close() {
      for (const stop of [...openReaders]) stop();
      await connection.close();
    },
  };
}
