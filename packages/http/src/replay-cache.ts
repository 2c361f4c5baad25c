import type { ClaimStore } from '@worldkit/core';

/**
 * Deliveries this process has already accepted, remembered until their timestamp can no
 * longer pass the tolerance check (after that the timestamp check refuses a replay anyway).
 * Bounded: beyond `maxEntries` the oldest are forgotten first, so a flood of valid
 * deliveries costs memory up to the bound and no more. The fallback when the World's backend
 * keeps no claims: it protects one process only (see "Replay window" in the README).
 */
export class ReplayCache implements ClaimStore {
  /** Key → epoch ms after which it may be forgotten. Insertion order ≈ arrival order. */
  private readonly entries = new Map<string, number>();

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records `key` and returns true, or returns false if it was already seen. */
  claim(key: string, rememberUntil: number): boolean {
    this.forgetExpired();
    if (this.entries.has(key)) return false;
    this.entries.set(key, rememberUntil);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    return true;
  }

  async claimOnce(key: string, expiresAtMs: number): Promise<boolean> {
    return this.claim(key, expiresAtMs);
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }

  // Walks from the oldest and stops at the first live entry: entries arrive roughly in
  // expiry order, and one that outlives its neighbours is merely kept a little longer.
  private forgetExpired() {
    const now = this.now();
    for (const [key, until] of this.entries) {
      if (until > now) break;
      this.entries.delete(key);
    }
  }
}
