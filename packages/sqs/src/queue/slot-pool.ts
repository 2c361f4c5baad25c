/**
 * Counts delivery slots so no more than `size` handlers run at once. Pollers take up to 10
 * slots before each receive (SQS's batch maximum) and give back what they did not fill, so a
 * receive never brings in more messages than there is room to run.
 */
export class SlotPool {
  #free: number;
  #waiters: Array<() => void> = [];
  #closed = false;

  constructor(size: number) {
    this.#free = size;
  }

  /** Takes between 1 and `most` slots once any is free; 0 once the pool is closed. */
  async take(most: number): Promise<number> {
    while (this.#free === 0 && !this.#closed) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    if (this.#closed) return 0;
    const taken = Math.min(most, this.#free);
    this.#free -= taken;
    return taken;
  }

  give(count: number): void {
    if (count <= 0) return;
    this.#free += count;
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** Wakes waiting takers with 0 slots; slots in use are still given back as they finish. */
  close(): void {
    this.#closed = true;
    for (const wake of this.#waiters.splice(0)) wake();
  }
}
