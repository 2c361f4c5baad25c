import { type FileHandle, open, stat, truncate } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '@worldkit/core';
import { decodeRecord, type JournalRecord, RECORD_HEADER_BYTES } from './journal-record.js';

/** A record found while reading, with its payload located by absolute file offset. */
export interface ReplayedRecord {
  kind: JournalRecord['kind'];
  name: string;
  runId: string;
  payloadOffset: number;
  payloadLength: number;
}

const REPLAY_BLOCK_BYTES = 1 << 20;
/** Beside the storage and queue journals in the data directory. */
export const STREAM_JOURNAL_FILE = 'streams.journal.bin';

/**
 * The append-only file every stream of one data directory is written to. A process reads it
 * without a lock, following what the writer appends (`catchUp`); the data directory's writer
 * process takes it over (`becomeWriter`) and appends from a single committer (group commit),
 * so its in-memory end-of-file offset stays exact.
 */
export class StreamJournal {
  private handle: FileHandle | undefined;
  private ino = 0;
  /** Offset just past the last complete, intact record read or written. */
  private end = 0;
  private writing = false;
  /** Set when a failed append could not be rolled back (see `append`). */
  private broken: Error | null = null;
  private closed = false;
  readonly filePath: string;

  constructor(
    dir: string,
    private readonly logger: Logger,
  ) {
    this.filePath = path.join(dir, STREAM_JOURNAL_FILE);
  }

  get isWriter(): boolean {
    return this.writing;
  }

  /**
   * Reads the records appended since the last call and hands each to `onRecord`. Returns
   * `restarted` when the file was replaced or shrank (a deleted data directory): the caller
   * drops what it had, and the records passed start from the beginning. A record still being
   * written is left for the next call.
   */
  async catchUp(
    onRecord: (record: ReplayedRecord) => void,
  ): Promise<{ restarted: boolean; tailBytes: number }> {
    if (this.closed) throw new Error('@worldkit/local: the stream journal is closed');
    if (this.writing) return { restarted: false, tailBytes: 0 };
    let info: { ino: number; size: number };
    try {
      const stats = await stat(this.filePath);
      info = { ino: stats.ino, size: stats.size };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const restarted = this.end > 0;
      await this.reset(0);
      return { restarted, tailBytes: 0 };
    }
    let restarted = false;
    if (!this.handle || info.ino !== this.ino || info.size < this.end) {
      restarted = this.end > 0;
      await this.reset(info.ino);
      this.handle = await open(this.filePath, 'r');
    }
    if (info.size === this.end) return { restarted, tailBytes: 0 };
    this.end = await scanRecords(this.handle, this.filePath, this.end, info.size, onRecord);
    return { restarted, tailBytes: info.size - this.end };
  }

  /**
   * With the writer lock held: reads to the end, cuts off a record a crashed writer left torn,
   * and reopens the file for appending.
   */
  async becomeWriter(onRecord: (record: ReplayedRecord) => void): Promise<{ restarted: boolean }> {
    if (this.writing) return { restarted: false };
    const { restarted, tailBytes } = await this.catchUp(onRecord);
    if (tailBytes > 0) {
      this.logger.warn(
        'stream journal ended in an incomplete record (likely a crash mid-write); cutting it off',
        { file: this.filePath, keptBytes: this.end, droppedBytes: tailBytes },
      );
      await truncate(this.filePath, this.end);
    }
    const previous = this.handle;
    this.handle = await open(this.filePath, 'a+');
    await previous?.close();
    this.writing = true;
    return { restarted };
  }

  /** Back to reading: the writer gave the directory back; it follows the file from its end. */
  async becomeReader(): Promise<void> {
    if (!this.writing) return;
    const previous = this.handle;
    this.handle = await open(this.filePath, 'r');
    this.ino = (await this.handle.stat()).ino;
    this.writing = false;
    // Closing waits for reads still in flight on the old handle.
    await previous?.close();
  }

  /** Appends the buffers as one write; resolves to the file offset of the first byte. */
  async append(buffers: Buffer[]): Promise<number> {
    if (this.broken) throw this.broken;
    const handle = this.handle;
    if (!this.writing || !handle)
      throw new Error('@worldkit/local: the stream journal is not open for writing');
    const bytes = buffers.length === 1 ? buffers[0] : Buffer.concat(buffers);
    const start = this.end;
    try {
      let written = 0;
      while (written < bytes.length) {
        const result = await handle.write(bytes, written, bytes.length - written);
        written += result.bytesWritten;
      }
    } catch (error) {
      // Later appends would land after a torn record and be unreadable on the next open, so
      // roll back, or refuse further work if even that fails.
      try {
        await handle.truncate(start);
      } catch (rollbackError) {
        this.broken = new Error(
          `@worldkit/local: stream journal ${this.filePath} could not be rolled back after a failed write; reopen the streamer`,
          { cause: rollbackError },
        );
      }
      throw error;
    }
    this.end = start + bytes.length;
    return start;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    if (this.broken) throw this.broken;
    const handle = this.handle;
    if (!handle) throw new Error(`stream journal ${this.filePath} is not open`);
    const bytes = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await handle.read(bytes, filled, length - filled, offset + filled);
      if (bytesRead === 0)
        throw new Error(`stream journal ${this.filePath} ended before offset ${offset + length}`);
      filled += bytesRead;
    }
    return bytes;
  }

  async close(): Promise<void> {
    this.closed = true;
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }

  private async reset(ino: number): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    this.ino = ino;
    this.end = 0;
    await handle?.close();
  }
}

/**
 * Reads records from `from` up to `size`, handing each complete one to `onRecord`, and returns
 * the offset after the last of them. A record that is incomplete, or whose checksum fails, and
 * that ends the file is left alone (a reader waits for it; the writer cuts it off); damage
 * before intact records is an error, because a crash cannot cause it and truncating there
 * would throw away good data.
 */
async function scanRecords(
  handle: FileHandle,
  filePath: string,
  from: number,
  size: number,
  onRecord: (record: ReplayedRecord) => void,
): Promise<number> {
  let buffer = Buffer.alloc(0);
  let bufferStart = from;
  let at = 0;
  while (bufferStart + at < size) {
    const decoded = decodeRecord(buffer, at);
    if (decoded.type === 'record') {
      onRecord({
        kind: decoded.kind,
        name: decoded.name,
        runId: decoded.runId,
        payloadOffset: bufferStart + decoded.payloadStart,
        payloadLength: decoded.payloadLength,
      });
      at += decoded.totalLength;
      continue;
    }
    const recordStart = bufferStart + at;
    if (decoded.type === 'corrupt') {
      const recordEnd = recordStart + RECORD_HEADER_BYTES + buffer.readUInt32BE(at);
      if (recordEnd < size) {
        throw new Error(
          `@worldkit/local: stream journal ${filePath} is damaged at byte ${recordStart} ` +
            `(${decoded.reason}) with intact data after it; move the file aside to start over.`,
        );
      }
      return recordStart;
    }
    const leftover = buffer.subarray(at);
    const needed =
      leftover.length >= RECORD_HEADER_BYTES
        ? RECORD_HEADER_BYTES + leftover.readUInt32BE(0)
        : RECORD_HEADER_BYTES;
    if (recordStart + needed > size) return recordStart;
    const next = Buffer.allocUnsafe(
      Math.min(Math.max(needed, REPLAY_BLOCK_BYTES), size - recordStart),
    );
    leftover.copy(next, 0);
    let filled = leftover.length;
    while (filled < next.length) {
      const { bytesRead } = await handle.read(
        next,
        filled,
        next.length - filled,
        recordStart + filled,
      );
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled < next.length) {
      throw new Error(`@worldkit/local: stream journal ${filePath} shrank while it was being read`);
    }
    buffer = next;
    bufferStart = recordStart;
    at = 0;
  }
  return bufferStart + at;
}
