import { resolve } from 'node:path';
import {
  createConsoleLogger,
  describeValue,
  type Logger,
  type QueueReceiver,
  type QueueTransport,
  WorldkitConfigError,
} from '@worldkit/core';
import { acquireShared } from '../process-registry.js';
import { QueueEngine } from './queue-engine.js';

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
 * I/O; the journal opens on first use. Transports created for the same `dataDir` in one
 * process share one queue, because the runtime composes the World several times per process.
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

  const shared = settings.dataDir
    ? acquireShared(`queue:${resolve(settings.dataDir)}`, () => {
        const engine = new QueueEngine({
          concurrency,
          logger,
          journalPath: resolve(settings.dataDir!, QUEUE_JOURNAL_FILE),
        });
        return {
          value: engine,
          dispose: () => engine.close(Date.now() + closeTimeoutMs),
        };
      })
    : (() => {
        const engine = new QueueEngine({ concurrency, logger });
        return { value: engine, release: () => engine.close(Date.now() + closeTimeoutMs) };
      })();
  const engine = shared.value;

  let receiver: QueueReceiver | undefined;
  let closing: Promise<void> | undefined;

  return {
    kind: 'transport',
    start: () => engine.open(),
    send: async (envelope, options) => {
      if (closing) throw new Error('the local queue is closed');
      return engine.send(envelope, options.delaySeconds);
    },
    consume: async (next) => {
      if (closing) throw new Error('the local queue is closed');
      if (receiver) throw new Error('consume() was already called on this local queue');
      receiver = next;
      await engine.addReceiver(next);
    },
    deadLetters: () => engine.deadLetters(),
    close: () => {
      closing ??= (async () => {
        const deadline = Date.now() + closeTimeoutMs;
        if (receiver) await engine.removeReceiver(receiver, deadline);
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
