import type { DeliveryOutcome } from '../contracts/queue.js';

/**
 * Queues deliver at least once, so the same message (same id and attempt) can arrive twice —
 * even at the same moment. Running a step twice concurrently would execute its body twice
 * (duplicate side effects, duplicate stream chunks), so within one process a duplicate waits
 * for the original and then gets the original's outcome without running. Replaying the outcome
 * (rather than acknowledging) matters when a transport redelivers because it failed to carry
 * out that outcome: the next attempt is then scheduled again instead of being lost. Across
 * processes the storage's conflict checks are the guard (one `step_completed` wins).
 */
export class DuplicateGuard {
  private readonly inFlight = new Map<string, Promise<DeliveryOutcome>>();
  private readonly outcomes = new Map<string, DeliveryOutcome>();

  constructor(private readonly remembered = 10_000) {}

  /** Runs `deliver` unless this delivery duplicates one already running or handled here. */
  async run(key: string, deliver: () => Promise<DeliveryOutcome>): Promise<DeliveryOutcome> {
    const known = this.outcomes.get(key);
    if (known) return known;
    const running = this.inFlight.get(key);
    if (running) return running;
    const outcome = deliver();
    this.inFlight.set(key, outcome);
    try {
      const settled = await outcome;
      this.remember(key, settled);
      return settled;
    } finally {
      this.inFlight.delete(key);
    }
  }

  private remember(key: string, outcome: DeliveryOutcome) {
    this.outcomes.set(key, outcome);
    // Maps iterate in insertion order, so the first key is the oldest.
    if (this.outcomes.size > this.remembered) {
      const oldest = this.outcomes.keys().next().value;
      if (oldest !== undefined) this.outcomes.delete(oldest);
    }
  }
}
