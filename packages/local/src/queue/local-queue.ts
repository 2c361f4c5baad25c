import { resolve } from 'node:path';
import {
  createConsoleLogger,
  describeValue,
  type Logger,
  type QueueReceiver,
  type QueueTransport,
  WorldkitConfigError,
} from '@worldkit/core';
import { DataDirSession } from '../data-dir/session.js';
import { acquireShared } from '../process-registry.js';
import { QueueEngine } from './queue-engine.js';
import { readDeadLetters } from './queue-journal.js';

export interface LocalQueueSettings {
  /** Keeps messages in `<dataDir>/queue.journal.jsonl` so they survive restarts; memory-only without it. */
  dataDir?: string;
  /**
   * Most receiver calls in flight at once (default 100). Handlers share this process's event
   * loop and mostly wait on storage and network, so the limit bounds memory (each workflow
   * delivery holds its replayed event log) and the load put on the storage backend, not CPU.
   * 100 lets a burst of 100 runs proceed in parallel (the benchmark's concurrency) while a
   * thousand-run burst queues in FIFO order of due time instead of opening a thousand
   * storage requests at once. With a shared `dataDir`, the first transport opened sets it.
   */
  concurrency?: number;
  logger?: Logger;
  /** How long `close()` waits for handlers in flight before closing anyway (default 10 s). */
  closeTimeoutMs?: number;
}

export const DEFAULT_QUEUE_CONCURRENCY = 100;
export const DEFAULT_QUEUE_CLOSE_TIMEOUT_MS = 10_000;
export const QUEUE_JOURNAL_FILE = 'queue.journal.jsonl';

/**
 * The embedded queue: delays with one timer, bounded concurrency, dead letters, idempotency
 * keys, and (with `dataDir`) an append-only journal replayed on open. Synchronous and free of
 * I/O. Transports created for the same `dataDir` in one process share one queue, because the
 * runtime composes the World several times per process. Only the process that writes the data
 * directory opens the journal and delivers messages (`start()`/`consume()` make this process
 * that writer); in any other process `send` goes to the writer over its socket.
 *
 * An idempotency key is remembered while its message is pending and for 5 minutes (at most
 * 100 000 keys) after it is acknowledged; see `idempotency-window.ts` for why.
 */
export function createLocalQueue(settings: LocalQueueSettings = {}): QueueTransport {
  const concurrency = positiveInteger(
    'queue.concurrency',
    settings.concurrency,
    DEFAULT_QUEUE_CONCURRENCY,
  );
  const closeTimeoutMs = positiveInteger(
    'queue.closeTimeoutMs',
    settings.closeTimeoutMs,
    DEFAULT_QUEUE_CLOSE_TIMEOUT_MS,
  );
  const logger = settings.logger ?? createConsoleLogger();

  const dataDir = settings.dataDir ? resolve(settings.dataDir) : undefined;
  const shared = dataDir
    ? acquireShared(`queue:${dataDir}`, () => {
        const journalPath = resolve(dataDir, QUEUE_JOURNAL_FILE);
        const newEngine = () => new QueueEngine({ concurrency, logger, journalPath });
        // The journal is opened (replayed, compacted, appended to) only by the process that
        // writes the data directory; readers send their messages there instead.
        const session = DataDirSession.acquire(dataDir, logger);
        const part = { engine: newEngine(), session: session.value, journalPath, writing: false };
        const detach = session.value.attach('queue', {
          becomeWriter: async () => {
            await part.engine.open();
            part.writing = true;
          },
          becomeReader: async () => {
            // A tool gives the directory back: its engine (no consumer) writes out what it
            // accepted and goes; a later write replays the journal into a fresh one.
            part.writing = false;
            const previous = part.engine;
            part.engine = newEngine();
            await previous.close(Date.now() + closeTimeoutMs);
          },
          operations: {
            // What another process's `queue()` call becomes once it reaches this one.
            'queue.send': (envelope, delaySeconds) =>
              part.engine.send(envelope, delaySeconds as number),
          },
        });
        return {
          value: part,
          dispose: async () => {
            await part.engine.close(Date.now() + closeTimeoutMs);
            detach();
            await session.release();
          },
        };
      })
    : (() => {
        const engine = new QueueEngine({ concurrency, logger });
        return {
          value: { engine, session: undefined, journalPath: undefined, writing: true },
          release: () => engine.close(Date.now() + closeTimeoutMs),
        };
      })();
  const part = shared.value;
  const { session, journalPath } = part;

  let receiver: QueueReceiver | undefined;
  let closing: Promise<void> | undefined;

  /** Consuming runs the app: this process must write the data directory (tools never do). */
  const claim = async () => {
    await session?.claimWriter('queue');
    await part.engine.open();
  };

  return {
    kind: 'transport',
    start: claim,
    send: async (envelope, options) => {
      if (closing) throw new Error('the local queue is closed');
      if (!session || part.writing) {
        session?.noteLocalWrite();
        return part.engine.send(envelope, options.delaySeconds);
      }
      return session.write('queue', 'queue.send', [envelope, options.delaySeconds], () =>
        part.engine.send(envelope, options.delaySeconds),
      );
    },
    consume: async (next) => {
      if (closing) throw new Error('the local queue is closed');
      if (receiver) throw new Error('consume() was already called on this local queue');
      await claim();
      receiver = next;
      await part.engine.addReceiver(next);
    },
    deadLetters: async () => {
      if (!part.writing && journalPath) return readDeadLetters(journalPath);
      return part.engine.deadLetters();
    },
    close: () => {
      closing ??= (async () => {
        const deadline = Date.now() + closeTimeoutMs;
        if (receiver) await part.engine.removeReceiver(receiver, deadline);
        await shared.release();
      })();
      return closing;
    },
  };
}

function positiveInteger(key: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (Number.isInteger(value) && value > 0) return value;
  throw new WorldkitConfigError(
    [{ key, expected: 'a positive integer', received: describeValue(value) }],
    '@worldkit/local queue settings',
  );
}
