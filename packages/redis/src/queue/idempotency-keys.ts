import type { Redis } from 'ioredis';

/**
 * How long an idempotency key is remembered after its message was acknowledged. The runtime
 * keys step messages by step id; duplicates come from replays racing each other within
 * seconds, and one that slips through later is harmless (the step handler sees the step
 * already finished). Remembering keys forever would instead drop a deliberate re-send of a
 * step whose message was lost. Same window as the embedded local queue.
 */
export const IDEMPOTENCY_RETAIN_MS = 5 * 60_000;
/**
 * Once its message is stored, a key is held while the message is pending: for its delay plus
 * this margin (time spent waiting behind other messages), refreshed on every redelivery. A
 * pending message whose key lapses early only risks a duplicate, which the delivery policy's
 * duplicate guard absorbs.
 */
export const PENDING_HOLD_MARGIN_MS = 10_000;

/**
 * How long a claim holds its key before the message is stored. Short on purpose: if the
 * process dies between the claim and storing the message, the runtime re-sends the message
 * when the interrupted delivery comes back, and an orphaned claim still holding the key then
 * would turn that re-send away and lose the message. BullMQ hands the delivery back once its
 * lock lapses, no sooner than half the lock duration after the claim (locks are renewed every
 * half duration), so a quarter of it leaves a margin.
 */
export function claimHoldMs(lockDurationMs: number): number {
  return Math.max(250, Math.floor(lockDurationMs / 4));
}

// Compare-and-act, so a late settle of one message never touches a key another message holds.
const EXPIRE_IF_HELD_BY = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;
const DELETE_IF_HELD_BY = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/**
 * Which idempotency keys are taken, as one Redis string per key holding the message id that
 * took it. `SET NX` makes concurrent sends with one key race safely across processes.
 */
export class IdempotencyKeys {
  constructor(
    private readonly client: () => Promise<Redis>,
    private readonly prefix: string,
    private readonly claimHoldMs: number,
  ) {}

  /**
   * Takes `key` for `messageId` until the message is stored (then `hold` it); false when
   * another message already holds it.
   */
  async claim(key: string, messageId: string): Promise<boolean> {
    const client = await this.client();
    // GET returns who held the key (nil: we took it). A claim cut off by a lost connection is
    // sent again by ioredis after the reconnect; if the first one had already taken the key,
    // the holder is this very message, and it must not turn itself away.
    const holder = await client.call(
      'SET',
      this.#redisKey(key),
      messageId,
      'PX',
      String(this.claimHoldMs),
      'NX',
      'GET',
    );
    return holder === null || String(holder) === messageId;
  }

  /** The message is stored (or stored again, as a redelivery): hold the key through its delay. */
  async hold(key: string, messageId: string, delayMs: number): Promise<void> {
    await this.#eval(EXPIRE_IF_HELD_BY, key, messageId, delayMs + PENDING_HOLD_MARGIN_MS);
  }

  /** The message was acknowledged: remember the key for the retention window only. */
  async settle(key: string, messageId: string): Promise<void> {
    await this.#eval(EXPIRE_IF_HELD_BY, key, messageId, IDEMPOTENCY_RETAIN_MS);
  }

  /** The message was dead-lettered or never stored: a new send with the key is welcome. */
  async release(key: string, messageId: string): Promise<void> {
    await this.#eval(DELETE_IF_HELD_BY, key, messageId);
  }

  async #eval(script: string, key: string, ...args: Array<string | number>): Promise<void> {
    const client = await this.client();
    await client.eval(script, 1, this.#redisKey(key), ...args);
  }

  #redisKey(key: string): string {
    return `${this.prefix}:idempotency:${key}`;
  }
}

/** The key and message id of a stored envelope, if it is well-formed enough to have them. */
export function idempotencyClaimOf(
  envelope: unknown,
): { key: string; messageId: string } | undefined {
  if (typeof envelope !== 'object' || envelope === null) return undefined;
  const { idempotencyKey, messageId } = envelope as Record<string, unknown>;
  if (typeof idempotencyKey !== 'string' || typeof messageId !== 'string') return undefined;
  return { key: idempotencyKey, messageId };
}
