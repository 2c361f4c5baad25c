import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '@worldkit/core';
import type { Operation } from '../data-dir/forwarding.js';
import { DataDirSession } from '../data-dir/session.js';
import { TurnBoundary } from '../turn-boundary.js';
import { applyEntry, type JournalEntry } from './apply-entry.js';
import { Journal, type JournalPosition, readJournal } from './journal.js';
import { MonotonicUlids } from './monotonic-ulids.js';
import { StorageState } from './storage-state.js';

export const JOURNAL_FILE_NAME = 'storage.journal.jsonl';

/**
 * The state behind one data directory (or one memory-only storage): the in-memory indexes,
 * plus, when durable, the journal they are rebuilt from. A process starts as a reader: it
 * replays the journal without a lock and, before each read, applies what was appended since
 * (so a tool sees what the running app writes). Once this process becomes the directory's
 * writer (see `DataDirSession`), the journal is its own and memory is the truth.
 */
export class LocalStore {
  private current: StorageState;
  private journal: Journal | undefined;
  private position: JournalPosition | undefined;
  /** Serializes reading the journal: a read never overlaps the switch to writing. */
  private reading: Promise<void> = Promise.resolve();
  private readonly session: { value: DataDirSession; release: () => Promise<void> } | undefined;
  private readonly detach: (() => void) | undefined;
  private closed = false;
  /** Mints event and run ids for every writer of this store. */
  readonly ids = new MonotonicUlids();
  /** Memory mode's stand-in for the journal's group commit (see `TurnBoundary`). */
  private readonly memoryCommits = new TurnBoundary();

  constructor(
    readonly dataDir: string | undefined,
    private readonly logger: Logger,
    operations: (store: LocalStore) => Record<string, Operation> = () => ({}),
  ) {
    this.current = new StorageState();
    if (dataDir) {
      this.session = DataDirSession.acquire(dataDir, logger);
      this.detach = this.session.value.attach('storage', {
        becomeWriter: () => this.becomeWriter(),
        becomeReader: () => this.becomeReader(),
        operations: operations(this),
      });
    }
  }

  get state(): StorageState {
    return this.current;
  }

  /** True when writes are applied here: memory mode, or this process writes the directory. */
  get isWriter(): boolean {
    return !this.session || this.journal !== undefined;
  }

  private get file(): string {
    return path.join(this.dataDir!, JOURNAL_FILE_NAME);
  }

  /** Resolves once memory holds every complete entry the journal has (readers read it now). */
  ready(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('@worldkit/local storage is closed'));
    if (this.isWriter) return Promise.resolve();
    return this.serialized(async () => {
      await this.catchUp();
    });
  }

  /**
   * A write from a process that does not write the directory (yet): applied here by `local` if
   * this process becomes the writer, else sent to the writer as `op(args)`.
   */
  writeElsewhere<T>(op: string, args: unknown[], local: () => Promise<T>): Promise<T> {
    if (!this.session) return local();
    return this.session.value.write('storage', op, args, local);
  }

  /** On the writer's own path: a tool that keeps writing keeps the directory. */
  noteLocalWrite(): void {
    this.session?.value.noteLocalWrite();
  }

  /** Makes this process the data directory's writer (for `start()`), or throws. */
  async claimWriter(): Promise<void> {
    if (this.isWriter) return;
    await this.session!.value.claimWriter('storage');
  }

  /** Throws if the journal can no longer record changes; checked before deciding a write. */
  assertWritable(): void {
    this.journal?.assertWritable();
  }

  /**
   * Applies `entries` now (synchronously) and resolves once they are durable: after the
   * journal's next flush, or in memory on the next turn of the event loop, with every write
   * of this turn (as the journal would).
   */
  commit(entries: JournalEntry[]): Promise<void> | undefined {
    if (entries.length === 0) return undefined;
    for (const entry of entries) applyEntry(this.current, entry);
    if (this.journal) return this.journal.append(entries);
    return this.session ? undefined : this.memoryCommits.next();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.reading.catch(() => undefined);
    await this.journal?.close();
    this.journal = undefined;
    this.detach?.();
    await this.session?.release();
  }

  private serialized(step: () => Promise<void>): Promise<void> {
    const next = this.reading.catch(() => undefined).then(step);
    this.reading = next;
    return next;
  }

  /** Applies what was appended since the last read; a replaced file is read from the start. */
  private async catchUp(): Promise<number> {
    if (this.isWriter) return 0;
    const read = await readJournal(this.file, this.position);
    if (read.restarted || this.position === undefined) {
      this.current = this.replay(read.entries, new StorageState());
    } else {
      this.replay(read.entries, this.current, this.position.lines);
    }
    this.position = read.position;
    return read.tailBytes;
  }

  private replay(entries: JournalEntry[], state: StorageState, before = 0): StorageState {
    entries.forEach((entry, index) => {
      try {
        applyEntry(state, entry);
        if (entry.kind === 'event') this.observeEventId(entry.event.eventId);
      } catch (error) {
        throw new Error(
          `@worldkit/local storage: cannot replay entry ${before + index + 1} of ${this.file}`,
          { cause: error },
        );
      }
    });
    return state;
  }

  /** Called by the session with the writer lock held: read to the end, then own the file. */
  private becomeWriter(): Promise<void> {
    return this.serialized(async () => {
      if (this.isWriter) return;
      const tailBytes = await this.catchUp();
      const journal = new Journal(this.file, this.logger);
      await journal.openForAppend(this.position?.offset ?? 0, tailBytes);
      this.journal = journal;
    });
  }

  /**
   * Called by the session when this process (a tool) gives the directory back: stop taking
   * writes now, write out what was accepted, then follow the journal from its end as a reader.
   */
  private becomeReader(): Promise<void> {
    const journal = this.journal;
    this.journal = undefined;
    if (!journal) return Promise.resolve();
    return this.serialized(async () => {
      await journal.close();
      if (journal.failed || !this.position) {
        // Memory may hold a change the file does not: read the file again from the start.
        this.position = undefined;
        return;
      }
      const info = await stat(this.file);
      this.position = {
        ino: info.ino,
        offset: info.size,
        lines: this.position.lines + journal.linesWritten,
      };
    });
  }

  private observeEventId(eventId: string): void {
    try {
      this.ids.observe(eventId.slice(eventId.lastIndexOf('_') + 1));
    } catch {
      // Not a ULID (never written by this storage): it cannot collide with minted ids.
    }
  }
}
