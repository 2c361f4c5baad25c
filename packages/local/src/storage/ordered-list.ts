/**
 * Position of an item in a list: creation time first, id to break ties. Events use `at: 0`
 * because they are ordered by their (time-sortable) ULID id alone.
 */
export interface SortKey {
  at: number;
  id: string;
}

export function compareKeys(a: SortKey, b: SortKey): number {
  if (a.at !== b.at) return a.at - b.at;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export interface PageRequest<T> {
  /** Exclusive start: items strictly after this key (in `order`). */
  after?: SortKey;
  limit: number;
  order: 'asc' | 'desc';
  accept?: (item: T) => boolean;
}

export interface PageOfItems<T> {
  items: T[];
  hasMore: boolean;
}

/**
 * Items kept sorted by key, so a page is a binary search plus a short walk instead of a sort
 * of everything. New items almost always sort last (ids and timestamps grow), so inserting is
 * usually an append.
 */
export class OrderedList<T> {
  private readonly items: T[] = [];

  constructor(readonly keyOf: (item: T) => SortKey) {}

  get size(): number {
    return this.items.length;
  }

  /** A snapshot of every item in ascending order. */
  values(): T[] {
    return [...this.items];
  }

  insert(item: T): void {
    const key = this.keyOf(item);
    const last = this.items[this.items.length - 1];
    if (last === undefined || compareKeys(this.keyOf(last), key) <= 0) {
      this.items.push(item);
      return;
    }
    this.items.splice(this.firstAfter(key), 0, item);
  }

  remove(item: T): void {
    const key = this.keyOf(item);
    const index = this.firstAtOrAfter(key);
    if (this.items[index] === item) this.items.splice(index, 1);
  }

  page(request: PageRequest<T>): PageOfItems<T> {
    const { after, limit, order, accept } = request;
    const items: T[] = [];
    const step = order === 'asc' ? 1 : -1;
    let index: number;
    if (order === 'asc') index = after ? this.firstAfter(after) : 0;
    else index = (after ? this.firstAtOrAfter(after) : this.items.length) - 1;
    for (; index >= 0 && index < this.items.length; index += step) {
      const item = this.items[index];
      if (accept && !accept(item)) continue;
      if (items.length === limit) return { items, hasMore: true };
      items.push(item);
    }
    return { items, hasMore: false };
  }

  /** Index of the first item whose key is greater than `key`. */
  private firstAfter(key: SortKey): number {
    let low = 0;
    let high = this.items.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareKeys(this.keyOf(this.items[middle]), key) <= 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Index of the first item whose key is greater than or equal to `key`. */
  private firstAtOrAfter(key: SortKey): number {
    let low = 0;
    let high = this.items.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareKeys(this.keyOf(this.items[middle]), key) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
