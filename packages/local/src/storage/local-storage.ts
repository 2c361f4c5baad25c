import path from 'node:path';
import type { AnyEventRequest, CreateEventParams, EventResult, Storage } from '@workflow/world';
import { createConsoleLogger, type Logger, type StorageInstance } from '@worldkit/core';
import { acquireShared } from '../process-registry.js';
import { admitEvent, type WriteContext } from './event-admission.js';
import { checkEventRequest } from './event-request-checks.js';
import { LocalStore } from './local-store.js';
import { createReadApi } from './read-api.js';

export interface LocalStorageSettings {
  /** Directory for the journal. Without it, data lives in memory only. */
  dataDir?: string;
  logger?: Logger;
}

/**
 * The embedded storage: runs, steps, events and hooks in memory maps, with every accepted
 * event appended to `<dataDir>/storage.journal.jsonl` and replayed on open when `dataDir` is
 * set. Creating it is synchronous and touches nothing; the data directory opens on `start()`
 * or first use. All instances for one data directory in a process share one store.
 *
 * Several processes may use one data directory: the one that writes it (the app, which called
 * `start()`, or the first process to write when no app runs) and any number of readers, which
 * follow the journal and send their `events.create` calls to the writer (see `DataDirSession`).
 */
export function createLocalStorage(settings: LocalStorageSettings): StorageInstance {
  const logger = settings.logger ?? createConsoleLogger();
  const dataDir = settings.dataDir ? path.resolve(settings.dataDir) : undefined;
  const memoryStore = dataDir ? undefined : new LocalStore(undefined, logger);
  let lease: { value: LocalStore; release: () => Promise<void> } | undefined;

  function store(): LocalStore {
    if (memoryStore) return memoryStore;
    lease ??= acquireShared(`storage:${dataDir}`, () => {
      const shared = new LocalStore(dataDir, logger, (owner) => ({
        // What another process's `events.create` becomes once it reaches this one.
        'storage.create': (runId, data, params) =>
          createHere(
            owner,
            runId as string | null,
            checkEventRequest(runId as string | null, data),
            params as CreateEventParams,
          ),
      }));
      return { value: shared, dispose: () => shared.close() };
    });
    return lease.value;
  }

  async function openStore(): Promise<LocalStore> {
    const opened = store();
    await opened.ready();
    return opened;
  }

  function create(
    runId: string | null,
    data: AnyEventRequest,
    params?: CreateEventParams,
  ): Promise<EventResult> {
    let request: AnyEventRequest;
    try {
      request = checkEventRequest(runId, data);
    } catch (error) {
      return Promise.reject(error);
    }
    const target = store();
    // The app's path: this process writes, and memory is already the whole truth.
    if (target.isWriter) {
      target.noteLocalWrite();
      return createHere(target, runId, request, params);
    }
    return routeAndCreate(target, runId, data, request, params);
  }

  /** A process that does not write yet: the writer decides (or this process becomes it). */
  function routeAndCreate(
    target: LocalStore,
    runId: string | null,
    data: AnyEventRequest,
    request: AnyEventRequest,
    params?: CreateEventParams,
  ): Promise<EventResult> {
    return target.writeElsewhere('storage.create', [runId, data, params], () =>
      createHere(target, runId, request, params),
    );
  }

  /** Decides and applies one event in the process that writes the data directory. */
  async function createHere(
    target: LocalStore,
    runId: string | null,
    request: AnyEventRequest,
    params?: CreateEventParams,
  ): Promise<EventResult> {
    // From here to `commit` nothing awaits: the check and the change are one step, so
    // concurrent writers in this process cannot interleave between them.
    target.assertWritable();
    const context: WriteContext = {
      now: new Date(),
      newEventId: () => `evnt_${target.ids.next()}`,
      newRunId: () => `wrun_${target.ids.next()}`,
    };
    const admission = admitEvent(target.state, runId, request, params ?? {}, context);
    const written = target.commit(admission.entries);
    const result = admission.respond(target.state);
    if (written) await written;
    return result;
  }

  const reads = createReadApi(openStore);
  return {
    runs: reads.runs,
    steps: reads.steps,
    events: { ...reads.events, create } as Storage['events'],
    hooks: reads.hooks,
    async start() {
      // Running the app: this process must own the data directory (tools never call this).
      const target = store();
      await target.claimWriter();
      await target.ready();
    },
    async close() {
      const held = lease;
      lease = undefined;
      await held?.release();
    },
  };
}
