import type { LifecycleV1, ProviderV1 } from './provider.js';

/** One page of a stream's chunks (`getStreamChunks`). */
export interface StreamChunksPageV1 {
  /**
   * The chunks of this page in write order: `index` is the chunk's 0-based position in the stream,
   * `data` its bytes exactly as written.
   */
  data: Array<{ index: number; data: Uint8Array }>;
  /** Opaque cursor for the next page, `null` on the last page. */
  cursor: string | null;
  /**
   * More chunks were already written beyond this page (the `{ data, cursor, hasMore }` shape of
   * storage rule 8).
   */
  hasMore: boolean;
  /** The stream was closed and every chunk has been returned. */
  done: boolean;
}

/** Where a stream ends (`getStreamInfo`). */
export interface StreamInfoV1 {
  /** Index of the last chunk, 0-based; -1 for an empty stream. */
  tailIndex: number;
  /** The stream was closed (`closeStream`); no chunk will follow `tailIndex`. */
  done: boolean;
}

/**
 * Named byte streams of a run. Chunks keep their order and arrive intact; a reader never sees a
 * chunk a crash could take back.
 */
export interface StreamerInstanceV1 extends LifecycleV1 {
  /** How often buffered writes are flushed (ms); low for backends with fast writes. */
  streamFlushIntervalMs?: number;
  /**
   * Appends one chunk (a string is written as its UTF-8 bytes) to stream `name` of run `runId`.
   * Chunks of one stream keep their write order; once the promise resolves the chunk is readable
   * and, for a durable streamer, survives a crash (contract: Streamer).
   */
  writeToStream(name: string, runId: string, chunk: string | Uint8Array): Promise<void>;
  /** Optional batch write; callers fall back to `writeToStream` per chunk. */
  writeToStreamMulti?(name: string, runId: string, chunks: (string | Uint8Array)[]): Promise<void>;
  /**
   * Marks the stream done: readers end after its last chunk and `getStreamInfo` reports `done:
   * true`.
   */
  closeStream(name: string, runId: string): Promise<void>;
  /**
   * Reads from chunk `startIndex` (negative: that many before the current end, clamped to 0),
   * and, with `liveTailing`, keeps delivering chunks written later until the stream is closed.
   */
  readFromStream(name: string, startIndex?: number): Promise<ReadableStream<Uint8Array>>;
  /** Names of the streams written for `runId`; empty for a run with none. */
  listStreamsByRunId(runId: string): Promise<string[]>;
  /** A snapshot of the chunks written so far, cursor-paginated (limit default 100, max 1000). */
  getStreamChunks(
    name: string,
    runId: string,
    options?: { limit?: number; cursor?: string },
  ): Promise<StreamChunksPageV1>;
  /** Where the stream currently ends (`tailIndex`) and whether it is closed. */
  getStreamInfo(name: string, runId: string): Promise<StreamInfoV1>;
}

/**
 * What a streamer declares on its provider; read by the composer before `create` (contract:
 * Lifecycle, capabilities).
 */
export interface StreamerCapabilitiesV1 {
  /** `readFromStream` keeps delivering chunks written after it was opened. */
  liveTailing: boolean;
  /**
   * Written chunks survive a `kill -9` and a restart of the backend (contract: Lifecycle, durable).
   */
  durable: boolean;
}

/** A streamer provider: `ProviderV1` for slot `'streamer'`, creating a `StreamerInstanceV1`. */
export type StreamerProviderV1<
  Capabilities extends StreamerCapabilitiesV1 = StreamerCapabilitiesV1,
> = ProviderV1<'streamer', StreamerInstanceV1, Capabilities>;
