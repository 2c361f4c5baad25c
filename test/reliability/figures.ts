import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Event } from '@workflow/world';

/**
 * The figures of one fault scenario on one composition, as measured. Each test appends them
 * to `figures.jsonl` in `WORLDKIT_RELIABILITY_DIR` (set by test/setup/reliability-report.ts,
 * the root vitest config's global setup), which prints them as one table when `vitest run`
 * ends.
 */
export interface ReliabilityFigures {
  composition: string;
  scenario: string;
  runs: number;
  completed: number;
  /** Runs that ended without completing (failed, cancelled, or gone from storage). */
  lost: number;
  /** Runs still not finished when the test's deadline passed. */
  stuck: number;
  /** Events written twice: the same type and correlation id more than once in a run's log. */
  duplicateEvents: number;
  /** From the fault (for repeated faults: the batch's start) to the last run finishing. */
  durationMs: number;
  /** What the fault was, measured (e.g. how many processes were killed). */
  detail: string;
}

export const FIGURES_FILE = 'figures.jsonl';

/**
 * Prints and appends one scenario's figures. Only the fields of `ReliabilityFigures` are kept,
 * so a tally may be spread in whole: `recordFigures({ composition, scenario, ...result, detail })`.
 */
export function recordFigures(measured: ReliabilityFigures): void {
  const figures: ReliabilityFigures = {
    composition: measured.composition,
    scenario: measured.scenario,
    runs: measured.runs,
    completed: measured.completed,
    lost: measured.lost,
    stuck: measured.stuck,
    duplicateEvents: measured.duplicateEvents,
    durationMs: measured.durationMs,
    detail: measured.detail,
  };
  console.log(
    `reliability (${figures.composition}, ${figures.scenario}): runs=${figures.runs} completed=${figures.completed} lost=${figures.lost} stuck=${figures.stuck} duplicate-events=${figures.duplicateEvents} in ${(figures.durationMs / 1000).toFixed(1)} s; ${figures.detail}`,
  );
  const directory = process.env.WORLDKIT_RELIABILITY_DIR;
  // One short line per append: concurrent test files never interleave inside a line.
  if (directory) appendFileSync(join(directory, FIGURES_FILE), `${JSON.stringify(figures)}\n`);
}

/**
 * Event types a World must write at most once per correlation id (per run, for run events):
 * a second one means a step, a timer or the run itself was recorded as done twice.
 */
const ONCE_PER_CORRELATION = new Set<string>([
  'run_created',
  'run_completed',
  'run_failed',
  'step_created',
  'step_completed',
  'step_failed',
  'wait_created',
  'wait_completed',
]);

/** How many events of a run's log repeat a (type, correlation id) pair that must be unique. */
export function countDuplicateEvents(events: Event[]): number {
  const seen = new Set<string>();
  let duplicates = 0;
  for (const event of events) {
    if (!ONCE_PER_CORRELATION.has(event.eventType)) continue;
    const key = `${event.eventType} ${event.correlationId ?? event.runId}`;
    if (seen.has(key)) duplicates++;
    else seen.add(key);
  }
  return duplicates;
}
