import type { ClaimStore, Logger, StreamerInstance } from '@worldkit/core';
import { closeClient, openCommandClient, type RedisHandle } from '../redis-client.js';
import type { ResolvedRedisSettings } from '../settings.js';

/** The key of one claim: `<prefix>:claim:<key>`. */
export const claimRedisKey = (prefix: string, key: string) => `${prefix}:claim:${key}`;

export type RedisClaimStore = ClaimStore & { close(): Promise<void> };

/**
 * Claims as Redis keys. `SET key 1 NX PXAT expiresAtMs` decides a claim in one command: it sets
 * the key only when no unexpired claim holds it, and Redis deletes the key itself once it
 * expires. Its own connection, opened on the first claim (with `connection` in the settings,
 * that client is used and left open).
 */
export function createRedisClaims(
  settings: ResolvedRedisSettings,
  logger: Logger,
): RedisClaimStore {
  let handle: Promise<RedisHandle> | undefined;
  return {
    async claimOnce(key, expiresAtMs) {
      handle ??= openCommandClient(settings, logger, 'worldkit-claims');
      const { client } = await handle;
      // PXAT (Redis 6.2+) keeps the expiry absolute, so a slow round trip does not extend it.
      const answer = await client.set(
        claimRedisKey(settings.prefix, key),
        '1',
        'PXAT',
        Math.max(1, Math.ceil(expiresAtMs)),
        'NX',
      );
      return answer === 'OK';
    },
    async close() {
      const opened = await handle?.catch(() => undefined);
      handle = undefined;
      if (opened?.owned) await closeClient(opened.client);
    },
  };
}

/** The streamer with the claim store of the same Redis as its `claims`, closed with it. */
export function withRedisClaims(
  streamer: StreamerInstance,
  claims: RedisClaimStore,
): StreamerInstance & { claims: ClaimStore } {
  const close = streamer.close?.bind(streamer);
  return Object.assign(streamer, {
    claims,
    async close() {
      await close?.();
      await claims.close();
    },
  });
}
