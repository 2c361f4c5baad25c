import { type FileHandle, open, readFile, truncate } from 'node:fs/promises';
import type { Logger } from '@worldkit/core';
import { decodeMessage, encodeMessage } from '@worldkit/core';
import type { JournalEntry } from './apply-entry.js';

/** Written into every line so a later release can read today's journals (and refuse newer ones). */
export const JOURNAL_FORMAT_VERSION = 1;

const NEWLINE = 0x0a;

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Append-only file of accepted changes, one tagged-JSON line each (bytes and dates survive).
 * Writes are group-committed: lines appended in the same turn of the event loop go to disk in
 * one write, and every caller resolves once its line is written. Not fsync'd: it survives a
 * crashed or killed process, not a power cut, which suits an embedded development store.
 */
export class Journal {
  private handle: FileHandle | undefined;
  private pending: string[] = [];
  private waiting: Waiter[] = [];
  private flushing: Promise<void> | undefined;
  private failure: unknown;

  constructor(
    readonly file: string,
    private readonly logger: Logger,
  ) {}

  /**
   * Reads every complete entry and opens the file for appending. A torn last line (the process
   * died mid-write) is dropped with a warning and cut off, so new lines start on a clean line.
   */
  async open(): Promise<JournalEntry[]> {
    const bytes = await readFile(this.file).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return Buffer.alloc(0);
      throw error;
    });
    const completeLength = bytes.lastIndexOf(NEWLINE) + 1;
    if (completeLength < bytes.length) {
      this.logger.warn('ignoring a torn last line in the storage journal (interrupted write)', {
        file: this.file,
        bytes: bytes.length - completeLength,
      });
      await truncate(this.file, completeLength);
    }
    const entries = parseLines(bytes.subarray(0, completeLength).toString('utf8'), this.file);
    this.handle = await open(this.file, 'a');
    return entries;
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
      this.pending.push(`${encodeMessage({ v: JOURNAL_FORMAT_VERSION, ...entry })}\n`);
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
        const waiting = this.waiting;
        this.pending = [];
        this.waiting = [];
        try {
          if (this.failure !== undefined) throw this.failure;
          if (!this.handle) throw new Error(`journal ${this.file} is closed`);
          await this.handle.appendFile(text);
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

function parseLines(text: string, file: string): JournalEntry[] {
  const entries: JournalEntry[] = [];
  let lineNumber = 0;
  for (const line of text.split('\n')) {
    lineNumber++;
    if (line === '') continue;
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
    entries.push(entry as unknown as JournalEntry);
  }
  return entries;
}
