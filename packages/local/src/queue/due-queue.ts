/**
 * Messages waiting for their due time, earliest first; messages due at the same moment
 * leave in the order they were scheduled (FIFO), so a burst beyond the concurrency limit
 * is served in arrival order. A binary heap keeps scheduling O(log n) with thousands of
 * sleeping runs.
 */
export class DueQueue<T> {
  readonly #heap: Array<{ item: T; dueAt: number; order: number }> = [];
  #nextOrder = 0;

  get size(): number {
    return this.#heap.length;
  }

  push(item: T, dueAt: number): void {
    this.#heap.push({ item, dueAt, order: this.#nextOrder++ });
    this.#siftUp(this.#heap.length - 1);
  }

  /** Due time of the earliest entry, or `undefined` when empty. */
  peekDueAt(): number | undefined {
    return this.#heap[0]?.dueAt;
  }

  pop(): T | undefined {
    const heap = this.#heap;
    const top = heap[0];
    if (!top) return undefined;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      this.#siftDown(0);
    }
    return top.item;
  }

  #before(a: number, b: number): boolean {
    const left = this.#heap[a];
    const right = this.#heap[b];
    return left.dueAt < right.dueAt || (left.dueAt === right.dueAt && left.order < right.order);
  }

  #swap(a: number, b: number): void {
    const heap = this.#heap;
    [heap[a], heap[b]] = [heap[b], heap[a]];
  }

  #siftUp(index: number): void {
    let child = index;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (!this.#before(child, parent)) return;
      this.#swap(child, parent);
      child = parent;
    }
  }

  #siftDown(index: number): void {
    const length = this.#heap.length;
    let parent = index;
    for (;;) {
      const left = parent * 2 + 1;
      const right = left + 1;
      let first = parent;
      if (left < length && this.#before(left, first)) first = left;
      if (right < length && this.#before(right, first)) first = right;
      if (first === parent) return;
      this.#swap(parent, first);
      parent = first;
    }
  }
}
