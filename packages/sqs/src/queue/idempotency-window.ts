/**
 * Idempotency keys this process has sent, best effort. SQS standard queues do not deduplicate
 * and FIFO queues (5-minute deduplication) cannot delay single messages, so the transport
 * declares `idempotencyKeys: false`: duplicate sends from *different* processes both go
 * through, and storage's conflict checks (one `step_started`/`step_completed` wins) keep a
 * duplicate step message from running a finished step again. Within one process — where the
 * runtime's racing replays usually are — this window drops the duplicate before it costs an
 * SQS request and a delivery.
 *
 * A key is held until its message is due plus `retainMs`; when this process sees the message
 * acknowledged the key is kept for `retainMs` from then, and a dead-lettered message releases
 * its key so a deliberate re-send goes through. At most `maxKeys` are kept (oldest dropped).
 */
export const IDEMPOTENCY_RETAIN_MS = 5 * 60_000;
export const IDEMPOTENCY_MAX_KEYS = 100_000;

export class IdempotencyWindow {
  /** Key → epoch ms until which a send with it is dropped; insertion order is age. */
  readonly #until = new Map<string, number>();

  constructor(
    private readonly retainMs = IDEMPOTENCY_RETAIN_MS,
    private readonly maxKeys = IDEMPOTENCY_MAX_KEYS,
  ) {}

  /** Claims `key` for a message due at `dueAt`; false if it is held. Synchronous, so racing sends see each other. */
  claim(key: string, dueAt: number, now: number): boolean {
    const until = this.#until.get(key);
    if (until !== undefined && until > now) return false;
    this.#set(key, Math.max(dueAt, now) + this.retainMs);
    this.#prune(now);
    return true;
  }

  /** The message with `key` was acknowledged here. */
  settle(key: string, now: number): void {
    if (this.#until.has(key)) this.#set(key, now + this.retainMs);
  }

  /** The message with `key` was dead-lettered or never stored. */
  release(key: string): void {
    this.#until.delete(key);
  }

  #set(key: string, until: number): void {
    this.#until.delete(key);
    this.#until.set(key, until);
  }

  #prune(now: number): void {
    for (const [key, until] of this.#until) {
      if (this.#until.size <= this.maxKeys && until > now) {
        // Keys are roughly ordered by expiry; stop at the first live one within bounds.
        return;
      }
      this.#until.delete(key);
    }
  }
}
