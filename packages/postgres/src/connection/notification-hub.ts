import { createOutageReport, type Logger, type OutageReport } from '@worldkit/core';
import type pg from 'pg';

export type NotificationListener = (payload: string) => void;

const RECONNECT_DELAY_MS = 500;

/**
 * One dedicated LISTEN connection per pool, shared by every stream reader and queue consumer in
 * the process (a connection per reader would exhaust RDS `max_connections`). Listeners are told
 * about every payload on their channel; after a reconnect they get `''` ("anything may have
 * changed") because notifications sent while disconnected are lost.
 */
export class NotificationHub {
  readonly #pool: pg.Pool;
  readonly #listeners = new Map<string, Set<NotificationListener>>();
  #client: pg.PoolClient | undefined;
  #connecting: Promise<void> | undefined;
  #closed = false;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #outage: OutageReport | undefined;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /**
   * Where the LISTEN connection reports an outage (once, however many reconnects it takes).
   * The hub is shared, so the first part that brings a logger sets it; without one it is quiet
   * (the parts' own queries report the same outage).
   */
  reportTo(logger: Logger): this {
    this.#outage ??= createOutageReport({ backend: 'PostgreSQL LISTEN connection', logger });
    return this;
  }

  /** Starts listening on `channel`; resolves once LISTEN is in effect. Returns the unsubscribe function. */
  async subscribe(channel: string, listener: NotificationListener): Promise<() => Promise<void>> {
    let listeners = this.#listeners.get(channel);
    const first = !listeners;
    if (!listeners) {
      listeners = new Set();
      this.#listeners.set(channel, listeners);
    }
    listeners.add(listener);
    await this.#connect();
    if (first && this.#client) await this.#client.query(`LISTEN ${channel}`);
    return async () => {
      const current = this.#listeners.get(channel);
      if (!current?.delete(listener) || current.size > 0) return;
      this.#listeners.delete(channel);
      await this.#client?.query(`UNLISTEN ${channel}`).catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#reconnectTimer);
    this.#listeners.clear();
    await this.#connecting?.catch(() => undefined);
    const client = this.#client;
    this.#client = undefined;
    if (client) {
      await client.query('UNLISTEN *').catch(() => undefined);
      client.release();
    }
  }

  #connect(): Promise<void> {
    if (this.#client || this.#closed) return Promise.resolve();
    this.#connecting ??= (async () => {
      const client = await this.#pool.connect();
      client.on('notification', (message) => {
        for (const listener of this.#listeners.get(message.channel) ?? []) {
          listener(message.payload ?? '');
        }
      });
      client.on('error', (error: Error) => this.#lost(client, error));
      client.on('end', () => this.#lost(client));
      for (const channel of this.#listeners.keys()) await client.query(`LISTEN ${channel}`);
      if (this.#closed) {
        client.release();
        return;
      }
      this.#client = client;
      this.#outage?.succeeded();
    })().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  /** The listening connection died: drop it, reconnect, and tell everyone to look again. */
  #lost(client: pg.PoolClient, error?: Error): void {
    if (this.#client !== client) return;
    this.#outage?.failed('listen', error ?? new Error('the connection ended'));
    this.#client = undefined;
    client.release(true);
    this.#scheduleRetry();
    this.#wakeEveryone();
  }

  #scheduleRetry(): void {
    if (this.#closed) return;
    this.#reconnectTimer = setTimeout(() => {
      this.#connect()
        .then(() => this.#wakeEveryone())
        .catch((error: unknown) => {
          this.#outage?.failed('reconnect', error);
          this.#scheduleRetry();
        });
    }, RECONNECT_DELAY_MS);
    this.#reconnectTimer.unref();
  }

  #wakeEveryone(): void {
    for (const listeners of this.#listeners.values()) {
      for (const listener of listeners) listener('');
    }
  }
}
