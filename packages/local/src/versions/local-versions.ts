import path from 'node:path';
import { createMemoryVersionStore, type UpgradeLog, type VersionStore } from '@worldkit/core';
import { acquireShared } from '../process-registry.js';
import { readVersionFile, type VersionState, writeVersionFile } from './version-file.js';

export interface LocalVersionStoreSettings {
  /** Directory holding `versions.json`. Omit to keep versions in memory (one store per call). */
  dataDir?: string;
}

/**
 * The version store of `@worldkit/local`: the in-memory store from `@worldkit/core`, persisted
 * to `<dataDir>/versions.json` after every change. One store per data directory is shared in
 * the process (two would overwrite each other's file); `close()` releases this caller's share.
 * Creating it does no I/O: the file is read on first use.
 */
export function createLocalVersionStore(settings: LocalVersionStoreSettings = {}): VersionStore {
  if (settings.dataDir === undefined) return createMemoryVersionStore();
  const dataDir = path.resolve(settings.dataDir);
  const shared = acquireShared(`versions:${dataDir}`, () => {
    const store = createPersistedStore(path.join(dataDir, 'versions.json'));
    return { value: store, dispose: () => store.close?.() ?? Promise.resolve() };
  });
  return createHandle(shared.value, shared.release);
}

function createPersistedStore(filePath: string): VersionStore {
  // Persistence is a queue of writes. `onChange` is synchronous, so it only records the newest
  // state and chains a write; each mutating call then awaits that write, so when it resolves the
  // change is on disk. Writes that pile up coalesce: a queued write stores the newest state.
  let unsaved: VersionState | null = null;
  let writes: Promise<void> = Promise.resolve();
  let lastWrite: Promise<void> = Promise.resolve();
  const saveNewest = async () => {
    const state = unsaved;
    if (!state) return;
    unsaved = null;
    try {
      await writeVersionFile(filePath, state);
    } catch (error) {
      // Keep the state pending so the next change (or close) retries it.
      unsaved ??= state;
      throw error;
    }
  };
  const onChange = (state: VersionState) => {
    unsaved = state;
    lastWrite = writes.then(saveNewest);
    writes = lastWrite.catch(() => undefined);
  };

  let loading: Promise<VersionStore> | null = null;
  const inner = () => {
    loading ??= readVersionFile(filePath).then(
      (initial) => createMemoryVersionStore({ initial, onChange }),
      (error) => {
        loading = null;
        throw error;
      },
    );
    return loading;
  };
  const mutate = async <T>(change: (store: VersionStore) => Promise<T>): Promise<T> => {
    const result = await change(await inner());
    await lastWrite;
    return result;
  };

  // Upgrade records are written through the same persisted state as versions.
  const upgrades: UpgradeLog = {
    record: (entry) => mutate(async (store) => store.upgrades?.record(entry)),
    findByRun: async (runId) => (await inner()).upgrades?.findByRun(runId) ?? [],
    list: async (filter) => (await inner()).upgrades?.list(filter) ?? [],
    findByToken: async (token) => (await (await inner()).upgrades?.findByToken(token)) ?? null,
  };

  return {
    upgrades,
    create: (input) => mutate((store) => store.create(input)),
    update: (id, input) => mutate((store) => store.update(id, input)),
    delete: (id) => mutate((store) => store.delete(id)),
    promote: (id) => mutate((store) => store.promote(id)),
    get: async (id) => (await inner()).get(id),
    list: async (options) => (await inner()).list(options),
    getCurrent: async () => (await inner()).getCurrent(),
    start: async () => {
      await inner();
    },
    close: async () => {
      await writes;
      // A write that failed earlier gets one more attempt before the store goes away.
      if (unsaved) await saveNewest();
    },
  };
}

/** What one caller holds on a shared store: its own `close()` releases only its share. */
function createHandle(store: VersionStore, release: () => Promise<void>): VersionStore {
  let released = false;
  const live = () => {
    if (released) throw new Error('@worldkit/local: this version store handle is closed');
    return store;
  };
  const upgrades: UpgradeLog = {
    record: async (entry) => live().upgrades?.record(entry),
    findByRun: async (runId) => (await live().upgrades?.findByRun(runId)) ?? [],
    list: async (filter) => (await live().upgrades?.list(filter)) ?? [],
    findByToken: async (token) => (await live().upgrades?.findByToken(token)) ?? null,
  };
  return {
    upgrades,
    create: async (input) => live().create(input),
    get: async (id) => live().get(id),
    list: async (options) => live().list(options),
    update: async (id, input) => live().update(id, input),
    delete: async (id) => live().delete(id),
    getCurrent: async () => live().getCurrent(),
    promote: async (id) => live().promote(id),
    start: async () => live().start?.(),
    close: async () => {
      released = true;
      await release();
    },
  };
}
