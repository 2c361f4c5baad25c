import path from 'node:path';
import type { GetChunksOptions, StreamChunksResponse, StreamInfoResponse } from '@workflow/world';
import { createConsoleLogger, type Logger, type StreamerInstance } from '@worldkit/core';
import { DataDirSession } from '../data-dir/session.js';
import { acquireShared } from '../process-registry.js';
import { decodeChunkCursor, encodeChunkCursor } from './chunk-cursor.js';
import type { JournalRecord } from './journal-record.js';
import { encodeRecord } from './journal-record.js';
import { createStreamIndex, type StoredChunk, type StreamIndex } from './stream-index.js';
import { type ReplayedRecord, StreamJournal } from './stream-journal.js';
import { openChunkReader } from './stream-reader.js';

export interface LocalStreamerSettings {
  /**
   * Directory for `streams.journal.bin` (and its lock file). Omit to keep streams in memory;
   * then every call returns its own isolated streamer.
   */
  dataDir?: string;
  logger?: Logger;
}

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;
const MAX_KEY_BYTES = 0xffff;

/**
 * A streamer for one process. With a `dataDir`, every stream is appended to one journal file
 * and the instance is shared by every caller in the process that names the same directory
 * (the runtime composes the World once per bundle); `close()` releases this caller's share.
 * Creating it does no I/O: the journal opens on first use or in `start()`.
 */
export function createLocalStreamer(settings: LocalStreamerSettings = {}): StreamerInstance {
  const logger = settings.logger ?? createConsoleLogger();
  if (settings.dataDir === undefined) return createStreamerCore(undefined, logger);
  const dataDir = path.resolve(settings.dataDir);
  const shared = acquireShared(`streamer:${dataDir}`, () => {
    const core = createStreamerCore(dataDir, logger);
    return { value: core, dispose: () => core.close() };
  });
  return createHandle(shared.value, shared.release);
}

interface PendingWrite {
  records: JournalRecord[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

type StreamerCore = StreamerInstance & Required<Pick<StreamerInstance, 'start' | 'close'>>;

/** How often a reader process looks for new chunks while someone waits on a live stream. */
const FOLLOW_INTERVAL_MS = 100;

function createStreamerCore(journalDir: string | undefined, logger: Logger): StreamerCore {
  let index: StreamIndex = createStreamIndex();
  const journal = journalDir ? new StreamJournal(journalDir, logger) : null;
  let pending: PendingWrite[] = [];
  let committing: Promise<void> | null = null;
  let accepting = true;
  let shutdownError: Error | null = null;
  let closing: Promise<void> | null = null;
  const warnedClosed = new Set<string>();

  const closedError = () => new Error('@worldkit/local: the streamer is closed');

  // Reading the journal is serialized, so a catch-up never overlaps the switch to writing.
  let reading: Promise<unknown> = Promise.resolve();
  const serialized = <T>(step: () => Promise<T>): Promise<T> => {
    const next = reading.catch(() => undefined).then(step);
    reading = next;
    return next;
  };

  /** Adds a record read from the journal; a replaced journal starts a fresh index first. */
  const applyReplayed = (record: ReplayedRecord) => {
    if (record.kind === 'close') index.close(record.name, record.runId);
    else {
      index.appendChunk(record.name, record.runId, {
        at: 'journal',
        offset: record.payloadOffset,
        length: record.payloadLength,
      });
    }
  };
  const replaceIndexIf = (restarted: boolean) => {
    if (!restarted) return;
    // The file was replaced (the data directory was deleted): readers of the old one end.
    const previous = index;
    index = createStreamIndex();
    previous.wakeAll();
  };

  /** In a reader process: applies what the writer appended since the last look. */
  const catchUp = () =>
    serialized(async () => {
      if (!journal || journal.isWriter) return;
      // Records are staged so that a restart found mid-read does not mix old and new entries.
      const staged: ReplayedRecord[] = [];
      const { restarted } = await journal.catchUp((record) => staged.push(record));
      replaceIndexIf(restarted);
      for (const record of staged) applyReplayed(record);
    });

  const session = journalDir ? DataDirSession.acquire(journalDir, logger) : undefined;
  /** Set while this process (a tool) gives the directory back: writes go through the session. */
  let givingBack = false;
  const detach = session?.value.attach('streamer', {
    becomeReader: () => {
      givingBack = true;
      return serialized(async () => {
        // What was accepted reaches the journal first; then follow it from its end.
        while (committing) await committing;
        await journal?.becomeReader();
      }).finally(() => {
        givingBack = false;
      });
    },
    becomeWriter: () =>
      serialized(async () => {
        if (!journal) return;
        const staged: ReplayedRecord[] = [];
        const { restarted } = await journal.becomeWriter((record) => staged.push(record));
        replaceIndexIf(restarted);
        for (const record of staged) applyReplayed(record);
      }),
    operations: {
      // What another process's stream writes become once they reach this one.
      'streamer.submit': async (records) => {
        await submit(records as JournalRecord[]);
      },
    },
  });

  const beforeUse = async () => {
    if (!accepting) throw closedError();
    await catchUp();
  };

  // Live readers in a reader process: while any waits for more, look at the journal often.
  // The timer keeps a reading tool alive while it tails a stream; in the writer (whose own
  // writes wake readers directly) it does nothing and does not hold the process open.
  let following = 0;
  let followTimer: NodeJS.Timeout | undefined;
  const holdOpenWhileReading = (timer: NodeJS.Timeout) => {
    if (journal && !journal.isWriter) timer.ref();
    else timer.unref();
  };
  const follow = () => {
    following++;
    if (!followTimer) {
      followTimer = setInterval(() => {
        if (followTimer) holdOpenWhileReading(followTimer);
        if (!journal || journal.isWriter || following === 0) return;
        catchUp().catch((error) =>
          logger.warn('cannot follow the stream journal', { error: String(error) }),
        );
      }, FOLLOW_INTERVAL_MS);
      holdOpenWhileReading(followTimer);
    }
    let stopped = false;
    return () => {
      if (stopped) return;
      stopped = true;
      following--;
      if (following === 0 && followTimer) {
        clearInterval(followTimer);
        followTimer = undefined;
      }
    };
  };

  const load = async (chunk: StoredChunk): Promise<Uint8Array> => {
    // Copies, so a consumer that transfers or mutates what it reads cannot change stored data.
    if (chunk.at === 'memory') return Uint8Array.from(chunk.data);
    if (!journal || shutdownError) throw closedError();
    return journal.read(chunk.offset, chunk.length);
  };

  const ignoreAfterClose = (record: JournalRecord) => {
    if (record.kind === 'close' || warnedClosed.has(record.name)) return;
    warnedClosed.add(record.name);
    logger.warn('ignoring a write to a closed stream (readers already saw its end)', {
      stream: record.name,
      runId: record.runId,
    });
  };

  const applyInMemory = (records: JournalRecord[]) => {
    for (const record of records) {
      const applied =
        record.kind === 'close'
          ? index.close(record.name, record.runId)
          : index.appendChunk(record.name, record.runId, { at: 'memory', data: record.payload });
      if (!applied) ignoreAfterClose(record);
    }
  };

  /**
   * Group commit: every write submitted while the previous batch was being appended goes to
   * the journal in one write call, in submission order, and becomes visible only afterwards.
   */
  const commitBatch = async (batch: PendingWrite[]) => {
    const active = journal;
    if (!active) throw closedError();
    const closedInBatch = new Set<string>();
    const toAppend: Array<{ record: JournalRecord; bytes: Buffer; payloadOffset: number }> = [];
    for (const write of batch) {
      for (const record of write.records) {
        if (index.peek(record.name)?.closed || closedInBatch.has(record.name)) {
          ignoreAfterClose(record);
          continue;
        }
        if (record.kind === 'close') closedInBatch.add(record.name);
        toAppend.push({ record, ...encodeRecord(record) });
      }
    }
    if (toAppend.length > 0) {
      let offset = await active.append(toAppend.map((entry) => entry.bytes));
      for (const { record, bytes, payloadOffset } of toAppend) {
        if (record.kind === 'close') index.close(record.name, record.runId);
        else {
          index.appendChunk(record.name, record.runId, {
            at: 'journal',
            offset: offset + payloadOffset,
            length: record.payload.byteLength,
          });
        }
        offset += bytes.length;
      }
    }
  };

  const commitPending = async () => {
    try {
      while (pending.length > 0) {
        const batch = pending;
        pending = [];
        try {
          await commitBatch(batch);
          for (const write of batch) write.resolve();
        } catch (error) {
          for (const write of batch) write.reject(error);
        }
      }
    } finally {
      committing = null;
    }
  };

  /** Writes in this process, which writes the data directory. */
  const submitHere = (records: JournalRecord[]): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      pending.push({ records, resolve, reject });
      committing ??= commitPending();
    });

  const submit = async (records: JournalRecord[]): Promise<void> => {
    if (!accepting) throw closedError();
    if (!journal || !session) {
      applyInMemory(records);
      return;
    }
    if (journal.isWriter && !givingBack) {
      session.value.noteLocalWrite();
      await submitHere(records);
      return;
    }
    await session.value.write('streamer', 'streamer.submit', [records], () => submitHere(records));
  };

  return {
    // Writes are local and cheap, so the runtime should not hold chunks back to batch them.
    streamFlushIntervalMs: 0,

    async writeToStream(name, runId, chunk) {
      assertKey('name', name);
      assertKey('runId', runId);
      await submit([{ kind: 'chunk', name, runId, payload: toBytes(chunk) }]);
    },

    async writeToStreamMulti(name, runId, chunks) {
      assertKey('name', name);
      assertKey('runId', runId);
      if (!Array.isArray(chunks)) throw new TypeError('chunks must be an array');
      if (chunks.length === 0) return;
      await submit(
        chunks.map((chunk) => ({ kind: 'chunk', name, runId, payload: toBytes(chunk) })),
      );
    },

    async closeStream(name, runId) {
      assertKey('name', name);
      assertKey('runId', runId);
      await submit([{ kind: 'close', name, runId }]);
    },

    async readFromStream(name, startIndex = 0) {
      assertKey('name', name);
      if (!Number.isInteger(startIndex)) {
        throw new TypeError(`startIndex must be an integer, got ${String(startIndex)}`);
      }
      await beforeUse();
      const openedIndex = index;
      const entry = index.entry(name);
      return openChunkReader({
        entry,
        startIndex: startIndex < 0 ? Math.max(0, entry.chunks.length + startIndex) : startIndex,
        load,
        shutdownError: () =>
          shutdownError ??
          (index === openedIndex
            ? null
            : new Error(`@worldkit/local: stream journal of ${journalDir} was replaced`)),
        // In a reader process, chunks arrive by reading the journal again while this waits.
        onWait: journal ? follow : undefined,
      });
    },

    async listStreamsByRunId(runId) {
      assertKey('runId', runId);
      await beforeUse();
      return index.streamsOfRun(runId);
    },

    // Streams are keyed by name alone (readFromStream has no runId), so runId is not needed here.
    async getStreamChunks(name, _runId, options?: GetChunksOptions): Promise<StreamChunksResponse> {
      assertKey('name', name);
      const limit = pageSize(options?.limit);
      const start = options?.cursor ? decodeChunkCursor(options.cursor) : 0;
      await beforeUse();
      const entry = index.peek(name);
      const chunks = entry?.chunks ?? [];
      const end = Math.min(start + limit, chunks.length);
      const data = [];
      for (let at = start; at < end; at++) data.push({ index: at, data: await load(chunks[at]) });
      const hasMore = end < chunks.length;
      return {
        data,
        cursor: hasMore ? encodeChunkCursor(end) : null,
        hasMore,
        // Done means "nothing will ever follow this page": closed, and this page reached the end.
        done: Boolean(entry?.closed) && !hasMore,
      };
    },

    async getStreamInfo(name, _runId): Promise<StreamInfoResponse> {
      assertKey('name', name);
      await beforeUse();
      const entry = index.peek(name);
      return { tailIndex: (entry?.chunks.length ?? 0) - 1, done: Boolean(entry?.closed) };
    },

    async start() {
      if (!accepting) throw closedError();
      // Running the app: this process must own the data directory (tools never call this).
      await session?.value.claimWriter('streamer');
      await catchUp();
    },

    close() {
      closing ??= (async () => {
        accepting = false;
        // Writes already accepted still reach the journal before it closes.
        while (committing) await committing;
        shutdownError = closedError();
        if (followTimer) clearInterval(followTimer);
        followTimer = undefined;
        index.wakeAll();
        await reading.catch(() => undefined);
        await journal?.close();
        detach?.();
        await session?.release();
      })();
      return closing;
    },
  };
}

/** What one caller holds on a shared streamer: its own `close()` releases only its share. */
function createHandle(core: StreamerCore, release: () => Promise<void>): StreamerInstance {
  let released = false;
  const live = () => {
    if (released) throw new Error('@worldkit/local: this streamer handle is closed');
    return core;
  };
  return {
    streamFlushIntervalMs: core.streamFlushIntervalMs,
    writeToStream: async (name, runId, chunk) => live().writeToStream(name, runId, chunk),
    writeToStreamMulti: async (name, runId, chunks) =>
      live().writeToStreamMulti?.(name, runId, chunks),
    closeStream: async (name, runId) => live().closeStream(name, runId),
    readFromStream: async (name, startIndex) => live().readFromStream(name, startIndex),
    listStreamsByRunId: async (runId) => live().listStreamsByRunId(runId),
    getStreamChunks: async (name, runId, options) => live().getStreamChunks(name, runId, options),
    getStreamInfo: async (name, runId) => live().getStreamInfo(name, runId),
    start: async () => live().start(),
    close: async () => {
      released = true;
      await release();
    },
  };
}

function toBytes(chunk: string | Uint8Array): Uint8Array {
  if (typeof chunk === 'string') return new TextEncoder().encode(chunk);
  if (chunk instanceof Uint8Array) return Uint8Array.from(chunk);
  throw new TypeError(`a stream chunk must be a string or Uint8Array, got ${typeof chunk}`);
}

function assertKey(label: 'name' | 'runId', value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`stream ${label} must be a non-empty string`);
  }
  if (Buffer.byteLength(value, 'utf8') > MAX_KEY_BYTES) {
    throw new TypeError(`stream ${label} must fit in ${MAX_KEY_BYTES} bytes`);
  }
}

function pageSize(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new TypeError(`limit must be a positive integer, got ${String(limit)}`);
  }
  return Math.min(limit, MAX_PAGE_SIZE);
}
