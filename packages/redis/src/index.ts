export { claimRedisKey, createRedisClaims, type RedisClaimStore } from './claims/redis-claims.js';
export { bullmqQueue, redisStreamer } from './providers.js';
export {
  BULLMQ_QUEUE_NAME,
  type BullmqQueueSettings,
  createBullmqQueue,
  MAX_DEAD_LETTERS,
} from './queue/bullmq-queue.js';
export { IDEMPOTENCY_RETAIN_MS } from './queue/idempotency-keys.js';
export {
  CONCURRENCY_ENV,
  DEFAULT_CONCURRENCY,
  DEFAULT_LOCK_DURATION_MS,
  DEFAULT_PREFIX,
  FALLBACK_URL_ENV,
  LOCK_DURATION_ENV,
  PREFIX_ENV,
  type RedisSettings,
  type ResolvedRedisSettings,
  resolveRedisSettings,
  URL_ENV,
} from './settings.js';
export {
  createRedisStreamer,
  type RedisStreamerSettings,
  STREAM_FLUSH_INTERVAL_MS,
} from './streamer/redis-streamer.js';
