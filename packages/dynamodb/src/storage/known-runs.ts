import type { LogItem, RunItem } from './entity-items.js';

/** Runs remembered at most; the least recently written are forgotten first. */
const MAX_RUNS = 2_000;

/** A run as this process last wrote it: its item, its write guard and the entities it touched. */
export interface KnownRun {
  run: RunItem;
  log: LogItem;
  /** Entity items by `pk|sk`; null when known not to exist. */
  entities: Map<string, Record<string, unknown> | null>;
}

export const entityKey = (key: { pk: string; sk: string }) => `${key.pk}|${key.sk}`;

/**
 * What this process last wrote for each run, so its next event can skip the snapshot read:
 * every write of a run is conditional on the run's write guard (`lastEventId`), and only
 * event writes change a run's items, so a write decided on these items succeeds exactly when
 * they are still current, and fails as a lost race (read again, decide again) when they are not.
 */
export class KnownRuns {
  readonly #runs = new Map<string, KnownRun>();

  get(runId: string): KnownRun | undefined {
    return this.#runs.get(runId);
  }

  set(runId: string, known: KnownRun): void {
    this.#runs.delete(runId);
    this.#runs.set(runId, known);
    if (this.#runs.size > MAX_RUNS) this.#runs.delete(this.#runs.keys().next().value as string);
  }

  forget(runId: string): void {
    this.#runs.delete(runId);
  }
}
