import { stat } from 'node:fs/promises';
import path from 'node:path';
import {
  createConsoleLogger,
  createMemoryVersionStore,
  type Logger,
  type UpgradeLog,
  type VersionStore,
} from '@worldkit/core';
import { localClaims } from '../claims/local-claims.js';
import { DataDirSession } from '../data-dir/session.js';
import { acquireShared } from '../process-registry.js';
import { readVersionFile, type VersionState, writeVersionFile } from './version-file.js';

export interface LocalVersionStoreSettings {
  /** Directory holding `versions.json`. Omit to keep versions in memory (one store per call). */
  dataDir?: string;
  logger?: Logger;
}

export const VERSION_FILE_NAME = 'versions.json';

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
    const store = createPersistedStore(dataDir, settings.logger ?? createConsoleLogger());
    return { value: store, dispose: () => store.close?.() ?? Promise.resolve() };
  });
  // Claims (the World's replay store for @worldkit/http) in the same directory.
  return Object.assign(createHandle(shared.value, shared.release), {
    claims: localClaims(dataDir),
  });
}

type Mutation = 'create' | 'update' | 'delete' | 'promote' | 'upgrades.record';

function createPersistedStore(dataDir: string, logger: Logger): VersionStore {
  const filePath = path.join(dataDir, VERSION_FILE_NAME);
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

  // A reader process loads the file again whenever it changed (the writer replaces it whole);
  // the writer process loads it once when it takes over, and from then on memory is the truth.
  let writer = false;
  let loaded: { store: VersionStore; stamp: string } | null = null;
  let loading: Promise<VersionStore> | null = null;
  const load = async (): Promise<VersionStore> => {
    const stamp = await fileStamp(filePath);
    if (loaded && (writer || loaded.stamp === stamp)) return loaded.store;
    const initial = await readVersionFile(filePath);
    const store = createMemoryVersionStore(writer ? { initial, onChange } : { initial });
    loaded = { store, stamp };
    return store;
  };
  /** Set while the changes of a tool giving the directory back are being saved. */
  let givingBack: Promise<void> | null = null;
  const inner = (): Promise<VersionStore> => {
    if (writer && loaded) return Promise.resolve(loaded.store);
    if (givingBack) return givingBack.then(inner);
    loading ??= load().finally(() => {
      loading = null;
    });
    return loading;
  };

  const session = DataDirSession.acquire(dataDir, logger);
  const run = (store: VersionStore, mutation: Mutation, args: unknown[]): Promise<unknown> => {
    const call = args as never[];
    switch (mutation) {
      case 'create':
        return store.create(call[0]);
      case 'update':
        return store.update(call[0], call[1]);
      case 'delete':
        return store.delete(call[0]);
      case 'promote':
        return store.promote(call[0]);
      case 'upgrades.record':
        return Promise.resolve(store.upgrades?.record(call[0]));
    }
  };
  /** Applies a change here (this process writes the data directory) and waits until it is saved. */
  const mutateHere = async (mutation: Mutation, args: unknown[]): Promise<unknown> => {
    const result = await run(await inner(), mutation, args);
    await lastWrite;
    return result;
  };
  const detach = session.value.attach('versions', {
    becomeWriter: async () => {
      if (writer) return;
      while (loading) await loading.catch(() => undefined);
      while (givingBack) await givingBack;
      writer = true;
      loaded = null;
      await inner();
    },
    becomeReader: () => {
      // A tool gives the directory back: changes it accepted are saved, then reads follow the file.
      writer = false;
      loaded = null;
      givingBack = writes.then(() => {
        givingBack = null;
      });
      return givingBack;
    },
    operations: {
      // What another process's version changes become once they reach this one.
      'versions.mutate': (mutation, args) => mutateHere(mutation as Mutation, args as unknown[]),
    },
  });
  const mutate = async <T>(mutation: Mutation, ...args: unknown[]): Promise<T> => {
    if (writer) {
      session.value.noteLocalWrite();
      return (await mutateHere(mutation, args)) as T;
    }
    return (await session.value.write('versions', 'versions.mutate', [mutation, args], () =>
      mutateHere(mutation, args),
    )) as T;
  };

  // Upgrade records are written through the same persisted state as versions.
  const upgrades: UpgradeLog = {
    record: (entry) => mutate('upgrades.record', entry),
    findByRun: async (runId) => (await inner()).upgrades?.findByRun(runId) ?? [],
    list: async (filter) => (await inner()).upgrades?.list(filter) ?? [],
    findByToken: async (token) => (await (await inner()).upgrades?.findByToken(token)) ?? null,
  };

  return {
    upgrades,
    create: (input) => mutate('create', input),
    update: (id, input) => mutate('update', id, input),
    delete: (id) => mutate('delete', id),
    promote: (id) => mutate('promote', id),
    get: async (id) => (await inner()).get(id),
    list: async (options) => (await inner()).list(options),
    getCurrent: async () => (await inner()).getCurrent(),
    start: async () => {
      // Running the app: this process must own the data directory (tools never call this).
      await session.value.claimWriter('versions');
      await inner();
    },
    close: async () => {
      await writes;
      // A write that failed earlier gets one more attempt before the store goes away.
      if (unsaved) await saveNewest();
      detach();
      await session.release();
    },
  };
}

/** Changes whenever the writer replaces the file (a new inode each time) or removes it. */
async function fileStamp(filePath: string): Promise<string> {
  try {
    const info = await stat(filePath);
    return `${info.ino}:${info.size}:${info.mtimeMs}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
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
