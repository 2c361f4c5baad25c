import type { LogItem, RunItem } from './entity-items.js';
import { guardValueOf } from './event-write.js';
import type { ItemKey } from './keys.js';

/** Runs remembered at most; the least recently written are forgotten first. */
const MAX_RUNS = 1_000;

/** An item as stored (a run, step, hook or wait item). */
type Item = object;

/**
 * What this process knows of one run, all as of one write guard value (`guardValueOf(log)`):
 * every item here is exactly as the event that set that guard left it. `items` maps an item
 * key to the item, or to `null` for one known to be absent.
 */
interface KnownRun {
  log: LogItem;
  run: RunItem;
  items: Map<string, Item | null>;
}

/** What a snapshot read would have returned, when every asked-for item is known. */
export interface KnownSnapshot {
  run: RunItem;
  log: LogItem;
  extra: Array<Record<string, unknown> | undefined>;
}

/** An item a committed write put (the item) or deleted (`null`). */
export interface ItemChange {
  key: ItemKey;
  item: Item | null;
  /** Will not be written again by a valid event: dropped from memory instead of kept. */
  settled?: boolean;
}

const keyOf = (key: ItemKey) => `${key.pk}\u0000${key.sk}`;

/**
 * The items of runs this process wrote last, so the next event of the run can skip its
 * snapshot read (`TransactGetItems`) and be one `TransactWriteItems`.
 *
 * Why this is safe: the write is conditional on the run's write guard (`lastSeq = :previous`,
 * or `lastEventId` on older runs), and every event write moves the guard — a reserved write
 * (`create-event.ts`) moves it when it takes its positions. An entry is only ever used as a whole,
 * with the guard value it was recorded at, so if the condition passes nothing was written to
 * the run since, and every remembered item is current. A fresh read with a different guard
 * replaces the entry entirely (mixing items from before another process's write with a newer
 * guard would let a write decided on a stale step pass — that mistake was made once and caught
 * by the cross-process redelivery test). A failed commit forgets the run.
 *
 * A step or wait the entry does not hold is guessed absent only for the events that create
 * one: their puts are conditional on `attribute_not_exists`, so a wrong guess loses the
 * transaction and is decided again on a read. Every other event needs its item known. A
 * refusal is never given on remembered items (the caller reads and decides again).
 */
export class KnownRunItems {
  readonly #runs = new Map<string, KnownRun>();

  /** The snapshot for `keys`, or undefined when some item is not known. */
  snapshot(runId: string, keys: ItemKey[], absentIfUnknown: boolean[]): KnownSnapshot | undefined {
    const known = this.#runs.get(runId);
    if (!known) return undefined;
    const extra: Array<Record<string, unknown> | undefined> = [];
    for (const [index, key] of keys.entries()) {
      const item = known.items.get(keyOf(key));
      if (item === undefined && !absentIfUnknown[index]) return undefined;
      extra.push((item ?? undefined) as Record<string, unknown> | undefined);
    }
    return { run: known.run, log: known.log, extra };
  }

  /** Records a fresh snapshot read of `keys`. */
  read(
    runId: string,
    run: RunItem | undefined,
    log: LogItem | undefined,
    keys: ItemKey[],
    extra: Array<Item | undefined>,
  ): void {
    if (!run || !log) {
      this.#runs.delete(runId);
      return;
    }
    const known = this.#runs.get(runId);
    const items =
      known && guardValueOf(known.log) === guardValueOf(log)
        ? known.items
        : new Map<string, Item | null>();
    keys.forEach((key, index) => {
      items.set(keyOf(key), extra[index] ?? null);
    });
    this.#remember(runId, { log, run, items });
  }

  /**
   * Records a committed write: the guard value it was conditional on and the one it left, the
   * run item, and the items it put or deleted.
   */
  wrote(
    runId: string,
    previousGuard: string | undefined,
    log: LogItem,
    run: RunItem,
    changes: ItemChange[],
  ): void {
    const known = this.#runs.get(runId);
    // Items recorded at another guard value than the one this write was conditional on are
    // not known to be current: start over with what this write itself put.
    const items =
      known && previousGuard !== undefined && guardValueOf(known.log) === previousGuard
        ? known.items
        : new Map<string, Item | null>();
    for (const { key, item, settled } of changes) {
      if (settled) items.delete(keyOf(key));
      else items.set(keyOf(key), item);
    }
    this.#remember(runId, { log, run, items });
  }

  has(runId: string): boolean {
    return this.#runs.has(runId);
  }

  forget(runId: string): void {
    this.#runs.delete(runId);
  }

  #remember(runId: string, known: KnownRun): void {
    this.#runs.delete(runId);
    this.#runs.set(runId, known);
    if (this.#runs.size > MAX_RUNS) {
      this.#runs.delete(this.#runs.keys().next().value as string);
    }
  }
}
