import { type FileHandle, open, stat, truncate } from 'node:fs/promises';
import type { Logger } from '@worldkit/core';
import { decodeMessage, encodeMessage } from '@worldkit/core/internal';
import { frameLine, scanLines } from '../data-dir/line-framing.js';
import type { JournalEntry } from './apply-entry.js';

/** Written into every line so a later release can read today's journals (and refuse newer ones). */
export const JOURNAL_FORMAT_VERSION = 1;

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** How far a reader has read a journal file, and which file (a replaced file starts over). */
export interface JournalPosition {
  /** Inode of the file read; another inode means the file was replaced (data dir deleted). */
  ino: number;
  /** Byte offset just past the last complete, intact line applied. */
  offset: number;
  /** Lines read so far, for error messages. */
  lines: number;
}

export interface JournalRead {
  entries: JournalEntry[];
  position: JournalPosition;
  /** The file was replaced or shrank below `from`: `entries` start from its beginning. */
  restarted: boolean;
  /** Bytes after `position.offset`: a line being written, or one a crash left torn. */
  tailBytes: number;
}

/**
 * Reads the entries appended since `from` (everything when `from` is undefined). Only lines
 * that are complete and pass their checksum are returned; a line still being written is left
 * for the next read. Never writes, so any number of readers can follow a journal that the
 * writer process appends to.
 */
export async function readJournal(
  file: string,
  from: JournalPosition | undefined,
): Promise<JournalRead> {
  let info: { ino: number; size: number };
  try {
    const stats = await stat(file);
    info = { ino: stats.ino, size: stats.size };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const restarted = from !== undefined && from.offset > 0;
    return { entries: [], position: { ino: 0, offset: 0, lines: 0 }, restarted, tailBytes: 0 };
  }
  const restarted = from !== undefined && (from.ino !== info.ino || info.size < from.offset);
  const start = from && !restarted ? from : { ino: info.ino, offset: 0, lines: 0 };
  if (info.size === start.offset) {
    return { entries: [], position: { ...start, ino: info.ino }, restarted, tailBytes: 0 };
  }
  const handle = await open(file, 'r');
  let bytes: Buffer;
  try {
    bytes = Buffer.allocUnsafe(info.size - start.offset);
    let filled = 0;
    while (filled < bytes.length) {
      const { bytesRead } = await handle.read(
        bytes,
        filled,
        bytes.length - filled,
        start.offset + filled,
      );
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    bytes = bytes.subarray(0, filled);
  } finally {
    await handle.close();
  }
  const scanned = scanLines(bytes, file, start.lines + 1);
  const entries = scanned.lines.map((line, index) =>
    parseEntry(line, file, start.lines + index + 1),
  );
  return {
    entries,
    position: {
      ino: info.ino,
      offset: start.offset + scanned.consumed,
      lines: start.lines + scanned.lines.length,
    },
    restarted,
    tailBytes: bytes.length - scanned.consumed,
  };
}

/**
 * Append-only file of accepted changes, one checksummed tagged-JSON line each (bytes and dates
 * survive). Only the data directory's writer process opens it. Writes are group-committed:
 * lines appended in the same turn of the event loop go to disk in one write, and every caller
 * resolves once its line is written. Not fsync'd: it survives a crashed or killed process,
 * not a power cut, which suits an embedded development store.
 */
export class Journal {
  private handle: FileHandle | undefined;
  private pending: string[] = [];
  private waiting: Waiter[] = [];
  private flushing: Promise<void> | undefined;
  private failure: unknown;
  /** Lines this instance appended (for line numbers once a reader follows on). */
  linesWritten = 0;

  constructor(
    readonly file: string,
    private readonly logger: Logger,
  ) {}

  /**
   * Opens the file for appending, after cutting off what follows the last intact line at
   * `keep` (a line a crashed writer left torn). Only safe with the writer lock held.
   */
  async openForAppend(keep: number, tailBytes: number): Promise<void> {
    if (tailBytes > 0) {
      this.logger.warn('ignoring a torn last line in the storage journal (interrupted write)', {
        file: this.file,
        bytes: tailBytes,
      });
      await truncate(this.file, keep);
    }
    this.handle = await open(this.file, 'a');
  }

  /** True once a write failed: memory then holds changes the file does not. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** Throws if an earlier write failed: memory then holds changes the file does not. */
  assertWritable(): void {
    if (this.failure !== undefined) {
      throw new Error(
        `@worldkit/local storage: journal ${this.file} failed to write earlier; ` +
          'restart the process to reload the data directory',
        { cause: this.failure },
      );
    }
  }

  /** Queues entries (encoded now, so later changes cannot leak in) and resolves once written. */
  append(entries: JournalEntry[]): Promise<void> {
    for (const entry of entries) {
      this.pending.push(frameLine(encodeMessage({ v: JOURNAL_FORMAT_VERSION, ...entry })));
    }
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.flushing ??= this.flushSoon();
    });
  }

  async close(): Promise<void> {
    while (this.flushing) await this.flushing;
    await this.handle?.close();
    this.handle = undefined;
  }

  private async flushSoon(): Promise<void> {
    // Let every write started in this turn join the batch.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      while (this.pending.length > 0) {
        const text = this.pending.join('');
        const lines = this.pending.length;
        const waiting = this.waiting;
        this.pending = [];
        this.waiting = [];
        try {
          if (this.failure !== undefined) throw this.failure;
          if (!this.handle) throw new Error(`journal ${this.file} is closed`);
          await this.handle.appendFile(text);
          this.linesWritten += lines;
          for (const waiter of waiting) waiter.resolve();
        } catch (error) {
          this.failure ??= error;
          this.logger.error('storage journal write failed', {
            file: this.file,
            error: String(error),
          });
          for (const waiter of waiting) waiter.reject(error);
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }
}

function parseEntry(line: string, file: string, lineNumber: number): JournalEntry {
  let decoded: { v?: unknown } & Record<string, unknown>;
  try {
    decoded = decodeMessage(line) as typeof decoded;
  } catch (error) {
    throw new Error(`@worldkit/local storage: ${file}:${lineNumber} is not valid JSON`, {
      cause: error,
    });
  }
  if (decoded.v !== JOURNAL_FORMAT_VERSION) {
    throw new Error(
      `@worldkit/local storage: ${file}:${lineNumber} has journal format ${String(decoded.v)}, ` +
        `this release reads format ${JOURNAL_FORMAT_VERSION}; upgrade @worldkit/local`,
    );
  }
  const { v: _version, ...entry } = decoded;
  return entry as unknown as JournalEntry;
}
