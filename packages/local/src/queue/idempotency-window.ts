/**
 * Which idempotency keys the queue has already accepted.
 *
 * A key is held for as long as its message is pending (however long its delay), and for
 * `retainMs` after the message is acknowledged, capped at `maxSettledKeys` (oldest dropped
 * first). The runtime keys step messages by step id; duplicates come from replays racing
 * each other, which happens within seconds, and a duplicate that slips through after the
 * window is harmless (the step handler sees the step already finished). Holding keys
 * forever would instead drop a deliberate re-send for a step whose message was lost, so
 * keys of dead-lettered messages are released at once.
 */
export const IDEMPOTENCY_RETAIN_MS = 5 * 60_000;
export const IDEMPOTENCY_MAX_SETTLED_KEYS = 100_000;

export class IdempotencyWindow {
  /** Key → number of pending messages holding it (normally one). */
  readonly #pending = new Map<string, number>();
  /** Key → when its message settled; insertion order is settle order. */
  readonly #settled = new Map<string, number>();

  constructor(
    private readonly retainMs = IDEMPOTENCY_RETAIN_MS,
    private readonly maxSettledKeys = IDEMPOTENCY_MAX_SETTLED_KEYS,
  ) {}

  has(key: string, now: number): boolean {
    if (this.#pending.has(key)) return true;
    const settledAt = this.#settled.get(key);
    return settledAt !== undefined && settledAt > now - this.retainMs;
  }

  /** The key's message was accepted and is pending. */
  hold(key: string): void {
    this.#pending.set(key, (this.#pending.get(key) ?? 0) + 1);
  }

  /** The key's message was acknowledged: keep the key for the retention window. */
  settle(key: string, at: number): void {
    this.#unhold(key);
    this.#settled.delete(key);
    this.#settled.set(key, at);
    this.#prune(at);
  }

  /** The key's message was dead-lettered (or never stored): a new send is welcome. */
  release(key: string): void {
    this.#unhold(key);
    this.#settled.delete(key);
  }

  /** Acknowledged keys still inside the window, oldest first, for journal compaction. */
  settledEntries(now: number): Array<[key: string, settledAt: number]> {
    this.#prune(now);
    return [...this.#settled];
  }

  get settledSize(): number {
    return this.#settled.size;
  }

  #unhold(key: string): void {
    const holders = this.#pending.get(key);
    if (holders === undefined) return;
    if (holders <= 1) this.#pending.delete(key);
    else this.#pending.set(key, holders - 1);
  }

  #prune(now: number): void {
    for (const [key, settledAt] of this.#settled) {
      if (this.#settled.size <= this.maxSettledKeys && settledAt > now - this.retainMs) return;
      this.#settled.delete(key);
    }
  }
}
