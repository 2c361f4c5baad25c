import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '@worldkit/core';
import { applyEntry, type JournalEntry } from './apply-entry.js';
import { lockDataDir } from './data-dir-lock.js';
import { Journal } from './journal.js';
import { MonotonicUlids } from './monotonic-ulids.js';
import { StorageState } from './storage-state.js';

export const JOURNAL_FILE_NAME = 'storage.journal.jsonl';
export const LOCK_FILE_NAME = 'storage.lock';

/**
 * The state behind one data directory (or one memory-only storage): the in-memory indexes,
 * plus, when durable, the journal they are rebuilt from and the lock that keeps other
 * processes out. Opening is lazy and retried after a failure (e.g. a lock that was busy).
 */
export class LocalStore {
  private current: StorageState;
  private opening: Promise<void> | undefined;
  private journal: Journal | undefined;
  private unlock: (() => Promise<void>) | undefined;
  /** Mints event and run ids for every writer of this store. */
  readonly ids = new MonotonicUlids();

  constructor(
    readonly dataDir: string | undefined,
    private readonly logger: Logger,
  ) {
    this.current = new StorageState();
  }

  get state(): StorageState {
    return this.current;
  }

  ready(): Promise<void> {
    if (!this.opening) {
      const opening = this.open();
      this.opening = opening;
      opening.catch(() => {
        if (this.opening === opening) this.opening = undefined;
      });
    }
    return this.opening;
  }

  /** Throws if the journal can no longer record changes; checked before deciding a write. */
  assertWritable(): void {
    this.journal?.assertWritable();
  }

  /** Applies `entries` now (synchronously) and resolves once they are durable. */
  commit(entries: JournalEntry[]): Promise<void> | undefined {
    if (entries.length === 0) return undefined;
    for (const entry of entries) applyEntry(this.current, entry);
    return this.journal?.append(entries);
  }

  async close(): Promise<void> {
    const opening = this.opening;
    this.opening = undefined;
    if (!opening) return;
    await opening.catch(() => undefined);
    await this.journal?.close();
    this.journal = undefined;
    await this.unlock?.();
    this.unlock = undefined;
  }

  private observeEventId(eventId: string): void {
    try {
      this.ids.observe(eventId.slice(eventId.lastIndexOf('_') + 1));
    } catch {
      // Not a ULID (never written by this storage): it cannot collide with minted ids.
    }
  }

  private async open(): Promise<void> {
    const dataDir = this.dataDir;
    if (!dataDir) return;
    await mkdir(dataDir, { recursive: true });
    const unlock = await lockDataDir(dataDir, path.join(dataDir, LOCK_FILE_NAME), this.logger);
    const journal = new Journal(path.join(dataDir, JOURNAL_FILE_NAME), this.logger);
    try {
      const entries = await journal.open();
      const state = new StorageState();
      entries.forEach((entry, index) => {
        try {
          applyEntry(state, entry);
          if (entry.kind === 'event') this.observeEventId(entry.event.eventId);
        } catch (error) {
          throw new Error(
            `@worldkit/local storage: cannot replay entry ${index + 1} of ${journal.file}`,
            { cause: error },
          );
        }
      });
      this.current = state;
      this.journal = journal;
      this.unlock = unlock;
    } catch (error) {
      await journal.close();
      await unlock();
      throw error;
    }
  }
}
