import { createOutageReport, type Logger, type OutageReport } from '@worldkit/core';
import type { Redis } from 'ioredis';
import { compareStreamIds } from './stream-ids.js';

/** Longest single XREAD block; a new waiter interrupts it sooner (CLIENT UNBLOCK). */
const BLOCK_MS = 5_000;
const RETRY_AFTER_ERROR_MS = 250;
/** CLIENT UNBLOCK can reach Redis before the XREAD it targets; retry for about this long. */
const UNBLOCK_ATTEMPTS = 50;

interface Waiter {
  key: string;
  afterId: string;
  wake: () => void;
}

/**
 * Wakes live readers when their stream grows, over ONE blocking connection per streamer,
 * however many readers are open: a single `XREAD BLOCK` covers every watched stream, each
 * from the oldest id a reader has seen. Readers fetch the new entries themselves on the
 * ordinary connection, so this only ever reads one entry per stream. When a reader starts
 * watching a stream the XREAD in flight does not cover, the XREAD is interrupted with
 * CLIENT UNBLOCK and reissued, so no reader waits for the block to time out.
 */
export class TailWatcher {
  readonly #waiters = new Set<Waiter>();
  #running = false;
  /** Stream key → id the XREAD in flight reads after; `undefined` while none is in flight. */
  #covering: Map<string, string> | undefined;
  #generation = 0;
  #interrupting = -1;
  #blocking: Promise<{ client: Redis; id: () => number | undefined }> | undefined;
  #closed = false;
  /** The loop retries every RETRY_AFTER_ERROR_MS while Redis is down: one line per outage. */
  readonly #outage: OutageReport;

  constructor(
    private readonly openBlocking: () => Promise<Redis>,
    private readonly commandClient: () => Promise<Redis>,
    private readonly logger: Logger,
  ) {
    this.#outage = createOutageReport({ backend: 'Redis live stream tailing', logger });
  }

  /** Resolves once `key` may hold an entry after `afterId`, or when `signal` aborts. */
  waitForEntry(key: string, afterId: string, signal: AbortSignal): Promise<void> {
    if (this.#closed || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter: Waiter = {
        key,
        afterId,
        wake: () => {
          this.#waiters.delete(waiter);
          signal.removeEventListener('abort', waiter.wake);
          resolve();
        },
      };
      signal.addEventListener('abort', waiter.wake, { once: true });
      this.#waiters.add(waiter);
      this.#watch(key, afterId);
    });
  }

  /** Wakes every waiter and drops the blocking connection. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const waiter of [...this.#waiters]) waiter.wake();
    const blocking = await this.#blocking?.catch(() => undefined);
    blocking?.client.disconnect();
  }

  #watch(key: string, afterId: string): void {
    if (!this.#running) {
      this.#running = true;
      void this.#run().finally(() => {
        this.#running = false;
      });
      return;
    }
    const covered = this.#covering?.get(key);
    if (this.#covering && (covered === undefined || compareStreamIds(covered, afterId) > 0)) {
      void this.#interrupt(this.#generation);
    }
  }

  async #run(): Promise<void> {
    while (!this.#closed && this.#waiters.size > 0) {
      let reply: Array<[Buffer, Array<[Buffer, Buffer[]]>]> | null;
      try {
        const { client } = await this.#connect();
        if (this.#closed || this.#waiters.size === 0) return;
        const targets = new Map<string, string>();
        for (const { key, afterId } of this.#waiters) {
          const current = targets.get(key);
          if (current === undefined || compareStreamIds(afterId, current) < 0) {
            targets.set(key, afterId);
          }
        }
        this.#covering = targets;
        this.#generation++;
        reply = (await client.xreadBuffer(
          'COUNT',
          1,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          ...targets.keys(),
          ...targets.values(),
        )) as typeof reply;
        this.#outage.succeeded();
      } catch (error) {
        if (this.#closed) return;
        this.#outage.failed('XREAD', error);
        await new Promise((resolve) => setTimeout(resolve, RETRY_AFTER_ERROR_MS));
        continue;
      } finally {
        this.#covering = undefined;
      }
      for (const [keyBuffer, entries] of reply ?? []) {
        const key = keyBuffer.toString();
        const firstId = entries[0]?.[0].toString('latin1');
        if (firstId === undefined) continue;
        for (const waiter of [...this.#waiters]) {
          if (waiter.key === key && compareStreamIds(waiter.afterId, firstId) < 0) waiter.wake();
        }
      }
    }
  }

  #connect(): Promise<{ client: Redis; id: () => number | undefined }> {
    this.#blocking ??= (async () => {
      const client = await this.openBlocking();
      let id: number | undefined;
      const readId = () =>
        client.call('CLIENT', 'ID').then(
          (value) => {
            id = Number(value);
          },
          () => undefined,
        );
      // A reconnect gives the connection a new client id.
      client.on('ready', () => void readId());
      await readId();
      return { client, id: () => id };
    })();
    this.#blocking.catch(() => {
      this.#blocking = undefined;
    });
    return this.#blocking;
  }

  /** Ends the XREAD of `generation` early so the loop reissues it covering new waiters. */
  async #interrupt(generation: number): Promise<void> {
    if (this.#interrupting === generation) return;
    this.#interrupting = generation;
    try {
      const [{ id }, control] = await Promise.all([this.#connect(), this.commandClient()]);
      for (let attempt = 0; attempt < UNBLOCK_ATTEMPTS; attempt++) {
        if (this.#closed || this.#generation !== generation || !this.#covering) return;
        const clientId = id();
        if (clientId !== undefined) {
          const unblocked = await control.call('CLIENT', 'UNBLOCK', String(clientId));
          if (Number(unblocked) === 1) return;
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(1 + attempt, 10)));
      }
    } catch (error) {
      // The XREAD still ends within BLOCK_MS; the new waiter is only woken later.
      this.logger.debug('could not interrupt the live-tail XREAD', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}
