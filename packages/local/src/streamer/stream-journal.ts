import { type FileHandle, mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '@worldkit/core';
import { acquireJournalLock } from './journal-lock.js';
import { decodeRecord, type JournalRecord, RECORD_HEADER_BYTES } from './journal-record.js';

/** A record found while replaying, with its payload located by absolute file offset. */
export interface ReplayedRecord {
  kind: JournalRecord['kind'];
  name: string;
  runId: string;
  payloadOffset: number;
  payloadLength: number;
}

/**
 * The append-only file every stream of one data directory is written to. Appends come from a
 * single committer (group commit) so the in-memory end-of-file offset stays exact.
 */
export interface StreamJournal {
  /** Appends the buffers as one write; resolves to the file offset of the first byte. */
  append(buffers: Buffer[]): Promise<number>;
  read(offset: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

const REPLAY_BLOCK_BYTES = 1 << 20;
/** Beside the storage and queue journals in the data directory. */
export const STREAM_JOURNAL_FILE = 'streams.journal.bin';
export const STREAM_LOCK_FILE = 'streams.lock';

/** Opens (creating if needed) the journal in data directory `dir`, replaying every complete record. */
export async function openStreamJournal(
  dir: string,
  logger: Logger,
  onRecord: (record: ReplayedRecord) => void,
): Promise<StreamJournal> {
  await mkdir(dir, { recursive: true });
  const filePath = path.join(dir, STREAM_JOURNAL_FILE);
  const releaseLock = await acquireJournalLock(path.join(dir, STREAM_LOCK_FILE));
  let handle: FileHandle;
  let size: number;
  try {
    handle = await open(filePath, 'a+');
    size = await replay(handle, filePath, logger, onRecord);
  } catch (error) {
    await releaseLock();
    throw error;
  }

  // Set when a failed append could not be rolled back: later appends would land after a torn
  // record and be unreadable on the next open, so the journal refuses further work instead.
  let broken: Error | null = null;

  return {
    async append(buffers) {
      if (broken) throw broken;
      const bytes = buffers.length === 1 ? buffers[0] : Buffer.concat(buffers);
      const start = size;
      try {
        let written = 0;
        while (written < bytes.length) {
          const result = await handle.write(bytes, written, bytes.length - written);
          written += result.bytesWritten;
        }
      } catch (error) {
        try {
          await handle.truncate(start);
        } catch (rollbackError) {
          broken = new Error(
            `@worldkit/local: stream journal ${filePath} could not be rolled back after a failed write; reopen the streamer`,
            { cause: rollbackError },
          );
        }
        throw error;
      }
      size = start + bytes.length;
      return start;
    },
    async read(offset, length) {
      if (broken) throw broken;
      const bytes = new Uint8Array(length);
      let filled = 0;
      while (filled < length) {
        const { bytesRead } = await handle.read(bytes, filled, length - filled, offset + filled);
        if (bytesRead === 0)
          throw new Error(`stream journal ${filePath} ended before offset ${offset + length}`);
        filled += bytesRead;
      }
      return bytes;
    },
    async close() {
      await handle.close();
      await releaseLock();
    },
  };
}

/**
 * Reads the journal front to back. A record cut short by a crash mid-append (or whose checksum
 * fails and which ends the file) is cut off with a warning; damage before intact records is an
 * error, because truncating there would throw away good data.
 */
async function replay(
  handle: FileHandle,
  filePath: string,
  logger: Logger,
  onRecord: (record: ReplayedRecord) => void,
): Promise<number> {
  const size = (await handle.stat()).size;
  let buffer = Buffer.alloc(0);
  let bufferStart = 0;
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
      if (recordEnd !== size) {
        throw new Error(
          `@worldkit/local: stream journal ${filePath} is damaged at byte ${recordStart} ` +
            `(${decoded.reason}) with intact data after it; move the file aside to start over.`,
        );
      }
      return cutTornTail(handle, filePath, logger, recordStart, size);
    }
    const leftover = buffer.subarray(at);
    const needed =
      leftover.length >= RECORD_HEADER_BYTES
        ? RECORD_HEADER_BYTES + leftover.readUInt32BE(0)
        : RECORD_HEADER_BYTES;
    if (recordStart + needed > size) {
      return cutTornTail(handle, filePath, logger, recordStart, size);
    }
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
  return size;
}

async function cutTornTail(
  handle: FileHandle,
  filePath: string,
  logger: Logger,
  keep: number,
  size: number,
): Promise<number> {
  logger.warn(
    'stream journal ended in an incomplete record (likely a crash mid-write); cutting it off',
    {
      file: filePath,
      keptBytes: keep,
      droppedBytes: size - keep,
    },
  );
  await handle.truncate(keep);
  return keep;
}
