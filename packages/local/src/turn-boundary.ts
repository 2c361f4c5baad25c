/**
 * Where the in-memory parts settle a write: on the next turn of the event loop, together with
 * every other write made in the same turn (one `setImmediate` for all of them). It is the
 * durable parts' group commit without the bytes: a journal resolves the writes of one turn in one
 * flush after `setImmediate`, and memory mode must pace its callers the same way.
 *
 * Why memory must not settle a write at once: the Workflow runtime waits for its replays with
 * `setTimeout(0)` polls (one per pending step, each asking "are all deliveries idle?"). When
 * every `events.create` and `queue()` settles in a microtask, one chain of work (write, send,
 * deliver, run the step, write, send, start a replay...) runs to its end inside a single turn,
 * ahead of the replays already waiting for the next tick. Fan-outs then pile up: replays of a
 * run that is already past them stay alive while new ones start, and each of them polls on
 * every tick. A 10-then-100 fan-out made 6.8 million `setTimeout` calls in memory mode against
 * 124 thousand with files, and took four times the CPU.
 */
export class TurnBoundary {
  #next: Promise<void> | undefined;

  /** Resolves on the next turn of the event loop; every call in this turn shares it. */
  next(): Promise<void> {
    this.#next ??= new Promise<void>((resolve) => {
      setImmediate(() => {
        // Writes made while the waiters run belong to the turn after this one.
        this.#next = undefined;
        resolve();
      });
    });
    return this.#next;
  }
}
