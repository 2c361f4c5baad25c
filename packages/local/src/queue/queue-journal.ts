import { type FileHandle, mkdir, open, readFile, rename, rm, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '@worldkit/core';
import { frameLine, parseFramedLine } from '../data-dir/line-framing.js';
import {
  type DeadLetter,
  JOURNAL_FORMAT,
  type JournalRecord,
  type JournalState,
  replayJournal,
} from './journal-records.js';

/** Records that describe the queue as it is now; what compaction writes. */
export interface JournalSnapshot {
  messages: Iterable<{ id: string; envelope: unknown; dueAt: number }>;
  deadLetters: Iterable<{ id: string; envelope: unknown; reason: string; at: number }>;
  settledKeys: Iterable<[key: string, settledAt: number]>;
}

export interface CompactionThresholds {
  /** Compacting a short file gains nothing; below this many records open leaves it alone. */
  onOpenMinRecords: number;
  /** A long-running process compacts in place only once the file has grown past this. */
  onlineMinRecords: number;
}

export const DEFAULT_COMPACTION: CompactionThresholds = {
  onOpenMinRecords: 1_000,
  onlineMinRecords: 50_000,
};

/**
 * Compaction pays off once the file is long and mostly history (acknowledged messages,
 * superseded redeliveries): rewriting it must shrink it by at least a third. `live` counts
 * the records a snapshot would hold besides its header.
 */
function worthCompacting(records: number, live: number, minimum: number): boolean {
  return records >= minimum && (live + 1) * 3 <= records * 2;
}

/**
 * Append-only JSONL journal of queue changes. Appends made in the same tick are written
 * together (group commit) and their promises resolve once the write returns; writes are
 * not fsynced one by one (a crash of the process loses nothing acknowledged, a crash of the
 * machine may lose the last moments), and the file is synced on close.
 */
export class QueueJournal {
  #handle: FileHandle;
  #records: number;
  #batch: Array<{ line: string; resolve: () => void; reject: (error: unknown) => void }> = [];
  #scheduled = false;
  #writing: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(
    private readonly path: string,
    handle: FileHandle,
    records: number,
    private readonly logger: Logger,
    private readonly snapshot: () => { live: number; take: () => JournalSnapshot },
    private readonly compaction: CompactionThresholds,
  ) {
    this.#handle = handle;
    this.#records = records;
  }

  /**
   * Opens (creating if needed) the journal at `path` and replays it. `snapshot` describes the
   * live queue once the caller has loaded the replayed state; it is used when compacting.
   */
  static async open(
    path: string,
    logger: Logger,
    load: (state: JournalState) => void,
    snapshot: () => { live: number; take: () => JournalSnapshot },
    compaction: CompactionThresholds = DEFAULT_COMPACTION,
  ): Promise<QueueJournal> {
    await mkdir(dirname(path), { recursive: true });
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (text.length > 0 && !text.endsWith('\n')) {
      // The process stopped in the middle of an append; that record's send never returned.
      const kept = text.lastIndexOf('\n') + 1;
      logger.warn('queue journal ends with a partial record; dropping it', {
        path,
        bytes: text.length - kept,
      });
      text = text.slice(0, kept);
      await truncate(path, Buffer.byteLength(text, 'utf8'));
    }
    const state = replayJournal(unframe(text.split('\n')), (line, reason) =>
      logger.warn('skipping an unreadable queue journal line', { path, line, reason }),
    );
    load(state);

    const current = snapshot();
    if (
      text.length === 0 ||
      worthCompacting(state.records, current.live, compaction.onOpenMinRecords)
    ) {
      const compacted = await writeCompacted(path, current.take());
      return new QueueJournal(
        path,
        compacted.handle,
        compacted.records,
        logger,
        snapshot,
        compaction,
      );
    }
    const handle = await open(path, 'a');
    return new QueueJournal(path, handle, state.records, logger, snapshot, compaction);
  }

  /** Queues `record` for the next group write; resolves once it is in the file. */
  append(record: JournalRecord): Promise<void> {
    if (this.#closed) return Promise.reject(new Error(`queue journal ${this.path} is closed`));
    const line = frameLine(JSON.stringify(record));
    return new Promise((resolve, reject) => {
      this.#batch.push({ line, resolve, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        this.#enqueueWrite();
      });
    });
  }

  /** Writes what is queued, syncs the file and closes it. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#enqueueWrite();
    this.#closed = true;
    try {
      await this.#handle.sync();
    } finally {
      await this.#handle.close();
    }
  }

  /** Writes are chained so batches land in order; the chain never rejects. */
  #enqueueWrite(): Promise<void> {
    this.#writing = this.#writing
      .then(() => this.#writeBatch())
      .catch((error) =>
        this.logger.error('queue journal write failed', {
          path: this.path,
          error: error instanceof Error ? error.message : String(error),
        }),
      );
    return this.#writing;
  }

  async #writeBatch(): Promise<void> {
    if (this.#closed) return;
    // Taken when the previous write has finished, so appends made meanwhile join this one.
    const batch = this.#batch.splice(0);
    if (batch.length === 0) return;
    try {
      await this.#handle.appendFile(batch.map((entry) => entry.line).join(''));
      this.#records += batch.length;
      for (const entry of batch) entry.resolve();
    } catch (error) {
      this.logger.error('could not write the queue journal', {
        path: this.path,
        error: error instanceof Error ? error.message : String(error),
      });
      for (const entry of batch) entry.reject(error);
      return;
    }
    const current = this.snapshot();
    if (!worthCompacting(this.#records, current.live, this.compaction.onlineMinRecords)) return;
    try {
      // The snapshot may already include records still waiting in the next batch; replay
      // applies them again harmlessly (see replayJournal).
      const compacted = await writeCompacted(this.path, current.take());
      const previous = this.#handle;
      this.#handle = compacted.handle;
      this.#records = compacted.records;
      await previous.close();
    } catch (error) {
      // The old file (and handle) are still intact; compaction is retried after a later write.
      this.logger.warn('could not compact the queue journal', {
        path: this.path,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}

/**
 * Rewrites the journal as a snapshot: written to a temporary file, synced, renamed over the
 * journal. Returns the temporary file's handle, which after the rename *is* the journal, so
 * there is no moment at which appends could go to the replaced file.
 */
async function writeCompacted(
  path: string,
  snapshot: JournalSnapshot,
): Promise<{ handle: FileHandle; records: number }> {
  const now = Date.now();
  const records: JournalRecord[] = [{ t: 'journal', format: JOURNAL_FORMAT, at: now }];
  for (const [key, settledAt] of snapshot.settledKeys) {
    records.push({ t: 'key', k: key, at: settledAt });
  }
  for (const letter of snapshot.deadLetters) {
    records.push({
      t: 'dead-lettered',
      id: letter.id,
      at: letter.at,
      reason: letter.reason,
      e: letter.envelope,
    });
  }
  for (const message of snapshot.messages) {
    records.push({ t: 'sent', id: message.id, at: now, due: message.dueAt, e: message.envelope });
  }
  const temporary = `${path}.compacting`;
  await rm(temporary, { force: true });
  const handle = await open(temporary, 'a');
  try {
    await handle.appendFile(records.map((record) => frameLine(JSON.stringify(record))).join(''));
    await handle.sync();
    await rename(temporary, path);
  } catch (error) {
    await handle.close();
    throw error;
  }
  return { handle, records: records.length };
}

/**
 * Lines without their checksums; a line whose checksum fails becomes one replay skips (and
 * reports), as it skips any line it cannot read.
 */
function unframe(lines: string[]): string[] {
  return lines.map((line) => {
    const parsed = parseFramedLine(line);
    return parsed.type === 'json' ? parsed.json : `corrupt line (${parsed.reason})`;
  });
}

/**
 * The dead letters a journal holds, read without opening it for writing: how a process that
 * does not write the data directory (a tool beside the running app) answers `deadLetters()`.
 */
export async function readDeadLetters(path: string): Promise<DeadLetter[]> {
  let text = '';
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  // Only complete lines: the writer may be in the middle of appending the last one.
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  const state = replayJournal(unframe(complete.split('\n')), () => undefined);
  return [...state.deadLetters.values()].slice(-1_000);
}
