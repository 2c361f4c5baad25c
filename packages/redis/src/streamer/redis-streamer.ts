import type { GetChunksOptions, StreamChunksResponse, StreamInfoResponse } from '@workflow/world';
import { createConsoleLogger, type StreamerInstance } from '@worldkit/core';
import type { Redis } from 'ioredis';
import {
  closeClient,
  openBlockingClient,
  openCommandClient,
  type RedisHandle,
} from '../redis-client.js';
import { type RedisSettings, resolveRedisSettings } from '../settings.js';
import { decodeChunkCursor, encodeChunkCursor } from './chunk-cursor.js';
import { parseEntry, type RawEntry, stateOf } from './stream-entries.js';
import { streamKeys } from './stream-keys.js';
import { type ChunkReader, openChunkReader, readAfter } from './stream-reader.js';
import { APPEND_CHUNKS, CLOSE_STREAM } from './stream-scripts.js';
import { TailWatcher } from './tail-watcher.js';

export type RedisStreamerSettings = Omit<RedisSettings, 'concurrency'>;

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;
/**
 * Redis writes take well under a millisecond, so the runtime's write buffer only needs to
 * gather chunks produced in the same tick; its 10 ms default is tuned for HTTP backends.
 */
export const STREAM_FLUSH_INTERVAL_MS = 1;

/**
 * A streamer on Redis Streams: one stream per name (chunks, then an end marker), one sorted
 * set per run listing its streams. Live readers share one blocking connection per streamer.
 * Creating it is synchronous and free of I/O; ioredis loads and connects on first use.
 */
export function createRedisStreamer(settings: RedisStreamerSettings = {}): StreamerInstance {
  const resolved = resolveRedisSettings(settings);
  const logger = resolved.logger ?? createConsoleLogger();
  const keys = streamKeys(resolved.prefix);

  let commands: Promise<RedisHandle> | undefined;
  let blocking: Redis | undefined;
  let closing: Promise<void> | undefined;
  const readers = new Set<ChunkReader>();
  const warnedClosed = new Set<string>();

  const client = async (): Promise<Redis> => {
    commands ??= openCommandClient(resolved, logger, 'worldkit-streamer');
    return (await commands).client;
  };
  const watcher = new TailWatcher(
    async () => {
      blocking ??= await openBlockingClient(resolved, logger, 'worldkit-streamer-tail');
      return blocking;
    },
    client,
    logger,
  );
  const closedError = () => new Error('@worldkit/redis: the streamer is closed');

  /**
   * Every write path takes the same number of awaits before its command is queued on the one
   * connection, so writes issued back to back reach Redis in call order.
   */
  const append = async (
    name: string,
    runId: string | Promise<string>,
    chunks: Buffer[],
  ): Promise<void> => {
    if (closing) throw closedError();
    const redis = await client();
    // The runtime may hand over the run id as a promise while the run is being created.
    const run = await runId;
    const added = await redis.eval(
      APPEND_CHUNKS,
      2,
      keys.chunks(name),
      keys.runStreams(run),
      name,
      Date.now(),
      ...chunks,
    );
    if (Number(added) === -1 && !warnedClosed.has(name)) {
      warnedClosed.add(name);
      logger.warn('dropped a write to a closed stream', { name, runId: run });
    }
  };

  const streamer: StreamerInstance = {
    streamFlushIntervalMs: STREAM_FLUSH_INTERVAL_MS,

    // Chunks are copied before the first await: the runtime may reuse its buffers.
    writeToStream: (name, runId, chunk) => append(name, runId, [toBuffer(chunk)]),

    writeToStreamMulti: async (name, runId, chunks) => {
      if (chunks.length === 0) return;
      await append(name, runId, chunks.map(toBuffer));
    },

    closeStream: async (name, runId) => {
      if (closing) throw closedError();
      const redis = await client();
      const run = await (runId as string | Promise<string>);
      await redis.eval(CLOSE_STREAM, 2, keys.chunks(name), keys.runStreams(run), name, Date.now());
    },

    readFromStream: async (name, startIndex = 0) => {
      if (closing) throw closedError();
      let startAfter = Math.max(0, Math.trunc(startIndex));
      if (startIndex < 0) {
        // Resolved now, against the chunks that exist when the reader opens.
        const state = await streamState(await client(), keys.chunks(name));
        startAfter = Math.max(0, state.chunkCount + Math.trunc(startIndex));
      }
      const reader: ChunkReader = openChunkReader({
        client,
        key: keys.chunks(name),
        startAfter,
        watcher,
        onFinished: () => readers.delete(reader),
      });
      readers.add(reader);
      return reader.stream;
    },

    listStreamsByRunId: async (runId) => {
      const redis = await client();
      return redis.zrange(keys.runStreams(runId), 0, -1);
    },

    getStreamChunks: async (
      name: string,
      _runId: string,
      options: GetChunksOptions = {},
    ): Promise<StreamChunksResponse> => {
      const limit = pageSize(options.limit);
      const from = options.cursor === undefined ? 0 : decodeChunkCursor(options.cursor);
      // One entry past the page tells whether another page of chunks exists.
      const { entries, state } = await readAfter(
        await client(),
        keys.chunks(name),
        from,
        limit + 1,
      );
      const chunks = entries
        .map(parseEntry)
        .flatMap((entry) =>
          entry.kind === 'chunk' ? [{ index: entry.position - 1, data: entry.data }] : [],
        );
      const hasMore = chunks.length > limit;
      const data = chunks.slice(0, limit);
      return {
        data,
        cursor: hasMore ? encodeChunkCursor(from + limit) : null,
        hasMore,
        done: state.done,
      };
    },

    getStreamInfo: async (name: string, _runId: string): Promise<StreamInfoResponse> => {
      const state = await streamState(await client(), keys.chunks(name));
      return { tailIndex: state.chunkCount - 1, done: state.done };
    },

    close: () => {
      closing ??= (async () => {
        for (const reader of [...readers]) reader.fail(closedError());
        await watcher.close();
        if (blocking) blocking.disconnect();
        const handle = await commands?.catch(() => undefined);
        if (handle?.owned) await closeClient(handle.client);
      })();
      return closing;
    },
  };
  return streamer;
}

async function streamState(redis: Redis, key: string) {
  return stateOf((await redis.xrevrangeBuffer(key, '+', '-', 'COUNT', 1)) as RawEntry[]);
}

function pageSize(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_PAGE_SIZE;
  return Math.min(MAX_PAGE_SIZE, Math.max(1, Math.trunc(limit)));
}

function toBuffer(chunk: string | Uint8Array): Buffer {
  return typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
}
