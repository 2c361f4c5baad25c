import type { QueueProvider, StreamerProvider } from '@worldkit/core';
import { defineQueueProvider, defineStreamerProvider } from '@worldkit/provider';
import { createRedisClaims, withRedisClaims } from './claims/redis-claims.js';
import { type BullmqQueueSettings, createBullmqQueue } from './queue/bullmq-queue.js';
import { PACKAGE_NAME, resolveRedisSettings } from './settings.js';
import { createRedisStreamer, type RedisStreamerSettings } from './streamer/redis-streamer.js';

const bullmqQueueProvider = defineQueueProvider({
  name: 'bullmq',
  packageName: PACKAGE_NAME,
  settings: (settings: BullmqQueueSettings = {}) => resolveRedisSettings(settings),
  capabilities: (resolved) => ({
    // BullMQ keeps delayed jobs in a sorted set: any delay, no chaining needed.
    maxDelaySeconds: null,
    idempotencyKeys: true,
    durable: true,
    concurrency: resolved.concurrency,
  }),
  create: (resolved, context) =>
    createBullmqQueue({ ...resolved, logger: resolved.logger ?? context.logger }),
});

const redisStreamerProvider = defineStreamerProvider({
  name: 'redis',
  packageName: PACKAGE_NAME,
  settings: (settings: RedisStreamerSettings = {}) => resolveRedisSettings(settings),
  capabilities: { liveTailing: true, durable: true },
  create: (resolved, context) =>
    withRedisClaims(
      createRedisStreamer({
        url: resolved.url,
        connection: resolved.connection,
        prefix: resolved.prefix,
        closeTimeoutMs: resolved.closeTimeoutMs,
        logger: resolved.logger ?? context.logger,
      }),
      // Claims (the World's durable replay store for @worldkit/http) on the same Redis.
      createRedisClaims(resolved, resolved.logger ?? context.logger),
    ),
});

/**
 * The queue slot on BullMQ. Settings are checked here, when `world.config.ts` is evaluated;
 * nothing connects until the World sends its first message or starts consuming.
 */
export function bullmqQueue(settings: BullmqQueueSettings = {}): QueueProvider {
  return bullmqQueueProvider(settings);
}

/** The streamer slot on Redis Streams; connects on first use. */
export function redisStreamer(settings: RedisStreamerSettings = {}): StreamerProvider {
  return redisStreamerProvider(settings);
}
