import { createOutageReport, type Logger } from '@worldkit/core';
import type { Redis, RedisOptions } from 'ioredis';
import type { ResolvedRedisSettings } from './settings.js';

/** A client and whether this package opened it (and so must close it). */
export interface RedisHandle {
  client: Redis;
  owned: boolean;
}

type RedisConstructor = new (url: string, options: RedisOptions) => Redis;

let redisConstructor: Promise<RedisConstructor> | undefined;

/**
 * ioredis is loaded on first connection, not at import, so composing a World that never
 * touches Redis (e.g. a CLI listing its config) stays cheap and synchronous.
 */
function loadRedis(): Promise<RedisConstructor> {
  redisConstructor ??= import('ioredis').then((module) => {
    // ioredis is CommonJS whose `module.exports` is the class itself; ESM interop may hand
    // it over as the namespace's `Redis` or `default`.
    const loaded = module as unknown as { Redis?: unknown; default?: unknown };
    const candidate = (loaded.Redis ?? loaded.default) as unknown;
    return (
      typeof candidate === 'function' ? candidate : (candidate as { Redis: unknown }).Redis
    ) as RedisConstructor;
  });
  return redisConstructor;
}

/**
 * Opens the client for ordinary commands: the user's `connection` if given (never closed by
 * us), else a new one from `url`. `maxRetriesPerRequest: null` is what BullMQ requires: a
 * command waits through a reconnect instead of failing after a fixed number of retries.
 */
export async function openCommandClient(
  settings: ResolvedRedisSettings,
  logger: Logger,
  name: string,
): Promise<RedisHandle> {
  if (settings.connection) return { client: settings.connection, owned: false };
  const RedisClass = await loadRedis();
  const client = new RedisClass(settings.url!, {
    maxRetriesPerRequest: null,
    connectionName: name,
    lazyConnect: true,
  });
  reportErrors(client, logger, name);
  return { client, owned: true };
}

/**
 * Opens a dedicated client for blocking reads (XREAD BLOCK), which would otherwise stall
 * every command queued behind them on a shared connection.
 */
export async function openBlockingClient(
  settings: ResolvedRedisSettings,
  logger: Logger,
  name: string,
): Promise<Redis> {
  const client = settings.connection
    ? settings.connection.duplicate({ connectionName: name, maxRetriesPerRequest: null })
    : new (await loadRedis())(settings.url!, {
        maxRetriesPerRequest: null,
        connectionName: name,
        lazyConnect: true,
      });
  reportErrors(client, logger, name);
  return client;
}

/**
 * ioredis emits `error` on every failed reconnect attempt; without a listener Node prints
 * each one. The outage report turns a run of them into one warning, and the next `ready`
 * (connected, and Redis has loaded its data) into one line saying it is back.
 */
function reportErrors(client: Redis, logger: Logger, name: string): void {
  const outage = createOutageReport({ backend: `Redis connection "${name}"`, logger });
  client.on('error', (error: Error) => outage.failed('connect', error));
  client.on('ready', () => outage.succeeded());
}

/** Closes a client we own: politely first, then by force if Redis does not answer in time. */
export async function closeClient(client: Redis, timeoutMs = 2_000): Promise<void> {
  if (client.status === 'end' || client.status === 'wait') {
    client.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const result = await Promise.race([client.quit().catch(() => 'failed' as const), timedOut]);
    if (result !== 'OK') client.disconnect();
  } finally {
    clearTimeout(timer);
  }
}
