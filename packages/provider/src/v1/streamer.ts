import type { LifecycleV1, ProviderV1 } from './provider.js';

/** One page of a stream's chunks (`getStreamChunks`). */
export interface StreamChunksPageV1 {
  data: Array<{ index: number; data: Uint8Array }>;
  cursor: string | null;
  hasMore: boolean;
  /** The stream was closed and every chunk has been returned. */
  done: boolean;
}

/** Where a stream ends (`getStreamInfo`). */
export interface StreamInfoV1 {
  /** Index of the last chunk, 0-based; -1 for an empty stream. */
  tailIndex: number;
  done: boolean;
}

/**
 * Named byte streams of a run. Chunks keep their order and arrive intact; a reader never sees a
 * chunk a crash could take back.
 */
export interface StreamerInstanceV1 extends LifecycleV1 {
  /** How often buffered writes are flushed (ms); low for backends with fast writes. */
  streamFlushIntervalMs?: number;
  writeToStream(name: string, runId: string, chunk: string | Uint8Array): Promise<void>;
  /** Optional batch write; callers fall back to `writeToStream` per chunk. */
  writeToStreamMulti?(name: string, runId: string, chunks: (string | Uint8Array)[]): Promise<void>;
  closeStream(name: string, runId: string): Promise<void>;
  /**
   * Reads from chunk `startIndex` (negative: that many before the current end, clamped to 0),
   * and, with `liveTailing`, keeps delivering chunks written later until the stream is closed.
   */
  readFromStream(name: string, startIndex?: number): Promise<ReadableStream<Uint8Array>>;
  listStreamsByRunId(runId: string): Promise<string[]>;
  /** A snapshot of the chunks written so far, cursor-paginated (limit default 100, max 1000). */
  getStreamChunks(
    name: string,
    runId: string,
    options?: { limit?: number; cursor?: string },
  ): Promise<StreamChunksPageV1>;
  getStreamInfo(name: string, runId: string): Promise<StreamInfoV1>;
}

export interface StreamerCapabilitiesV1 {
  /** `readFromStream` keeps delivering chunks written after it was opened. */
  liveTailing: boolean;
  durable: boolean;
}

export type StreamerProviderV1<
  Capabilities extends StreamerCapabilitiesV1 = StreamerCapabilitiesV1,
> = ProviderV1<'streamer', StreamerInstanceV1, Capabilities>;
