import type { ProviderContext } from '../contracts/provider.js';

/**
 * A durable "first claim wins" record, shared by every process that uses the same backend. The
 * HTTP receiver claims each delivery (`delivery:<message id>#<attempt>`) so a captured request
 * replayed to another app instance, or after a restart, is refused like one replayed to the
 * same process.
 *
 * Any slot instance may offer one as an optional `claims` property (the PostgreSQL and DynamoDB
 * version stores, the Redis streamer do); the composer hands the World's to providers through
 * `claimStoreOf(context)`.
 */
export interface ClaimStore {
  /**
   * Records `key` until `expiresAtMs` (epoch ms) and resolves `true`, or resolves `false` when a
   * claim of `key` that has not expired yet exists. Atomic across processes: of concurrent
   * claims of one key, exactly one wins. Expired claims may be forgotten at any time after
   * they expire (the store deletes them lazily); never before.
   */
  claimOnce(key: string, expiresAtMs: number): Promise<boolean>;
}

/** What the composer adds to each provider's context beyond `ProviderContext`. */
export interface ClaimsContext {
  /**
   * The World's durable claim store, resolved on first call (like `versions()`), or
   * `undefined` when no slot's backend offers one.
   */
  claims?(): ClaimStore | undefined;
}

/** The `claims` an instance offers, if it is a claim store. */
export function claimsOf(instance: unknown): ClaimStore | undefined {
  const claims =
    instance && typeof instance === 'object'
      ? (instance as { claims?: unknown }).claims
      : undefined;
  return claims &&
    typeof claims === 'object' &&
    typeof (claims as ClaimStore).claimOnce === 'function'
    ? (claims as ClaimStore)
    : undefined;
}

/** The World's durable claim store as a provider sees it, or `undefined` when it has none. */
export function claimStoreOf(context: ProviderContext): ClaimStore | undefined {
  return (context as ProviderContext & ClaimsContext).claims?.();
}
