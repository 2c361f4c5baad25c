import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { World } from '@workflow/world';
import { loadWorkflowCode } from '@worldkit/core';
import { buildWorkflows, duplicateEvents, type LoggedLine, listAllEvents } from '@worldkit/testing';
import { start } from 'workflow/api';
import { countDuplicateEvents } from '../reliability/figures.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

export interface Outage {
  /** Takes the backend down (stops its process, or cuts it off). */
  begin(): Promise<void>;
  /** Brings it back with the data it had. */
  end(): Promise<void>;
}

export interface OutageResult {
  runs: number;
  /** Runs not finished when the backend went down: the outage must interrupt real work. */
  activeAtOutage: number;
  completed: number;
  /** Extra `step_completed` events beyond one per step, over all runs. */
  duplicated: number;
  /** Events of any once-only type (see countDuplicateEvents) written more than once, over all runs. */
  duplicateEvents: number;
  /** Runs that ended without completing (failed or cancelled). */
  lost: number;
  /** Runs still not finished when `recoveryTimeoutMs` had passed. */
  stuck: number;
  /** warn and error lines the World logged from the outage until every run finished. */
  errorsLogged: number;
  /** The same lines counted by message: one outage should say each thing once, not per retry. */
  errorsByMessage: Record<string, number>;
  /** How long the runs took to finish after the backend came back. */
  recoveryMs: number;
  /** From the fault (the outage's beginning) to the last run finishing. */
  durationMs: number;
  /** Runs that did not complete, with their status and last events, to diagnose a failure. */
  unfinished: string[];
}

/**
 * Starts `runs` workflows (steps around a 1 s sleep) on a started World, takes its backend
 * down for `outageMs` once they are under way, brings it back and waits for every run.
 */
export async function runThroughOutage(options: {
  world: World;
  logEntries: LoggedLine[];
  outage: Outage;
  runs: number;
  outageMs: number;
  recoveryTimeoutMs: number;
  /** The fixture workflow to run (default `outageWorkflow`). */
  workflow?: string;
  /** Resolves when the runs are where the outage should find them (default: 300 ms in). */
  readyForOutage?: (runIds: string[]) => Promise<void>;
}): Promise<OutageResult> {
  const { world, logEntries, outage } = options;
  const built = await buildWorkflows({ sourceDirectory: FIXTURES });
  const code = loadWorkflowCode({ world, directory: built.directory });
  await world.start?.();

  const started = await Promise.all(
    Array.from({ length: options.runs }, (_, index) =>
      start(code.workflow(options.workflow ?? 'outageWorkflow'), [index], { world }),
    ),
  );
  const runIds = started.map((run) => run.runId);
  // Into the first steps, short of the sleep's end: the outage then hits steps, queue
  // messages and timers alike.
  if (options.readyForOutage) await options.readyForOutage(runIds);
  else await new Promise((resolve) => setTimeout(resolve, 300));
  const activeAtOutage = (await statuses(world, runIds)).filter(
    (status) => !TERMINAL.has(status),
  ).length;

  const firstLineOfOutage = logEntries.length;
  const faultAt = Date.now();
  await outage.begin();
  await new Promise((resolve) => setTimeout(resolve, options.outageMs));
  await outage.end();
  const backAt = Date.now();

  const deadline = backAt + options.recoveryTimeoutMs;
  let pending = runIds;
  while (pending.length > 0 && Date.now() < deadline) {
    // A backend that has just restarted may still refuse a read; that is not a verdict.
    const current = await statuses(world, pending).catch(() => pending.map(() => 'unknown'));
    pending = pending.filter((_, index) => !TERMINAL.has(current[index] ?? 'unknown'));
    if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const recoveryMs = Date.now() - backAt;
  const durationMs = Date.now() - faultAt;
  const errorEntries = logEntries
    .slice(firstLineOfOutage)
    .filter((entry) => entry.level === 'warn' || entry.level === 'error');
  const errorsLogged = errorEntries.length;
  const errorsByMessage: Record<string, number> = {};
  for (const entry of errorEntries)
    errorsByMessage[entry.message] = (errorsByMessage[entry.message] ?? 0) + 1;

  let completed = 0;
  let duplicated = 0;
  let duplicateEventCount = 0;
  let lost = 0;
  let stuck = 0;
  const unfinished: string[] = [];
  for (const runId of runIds) {
    const run = await world.runs.get(runId, { resolveData: 'none' });
    if (run.status === 'completed') completed++;
    else if (TERMINAL.has(run.status)) lost++;
    else stuck++;
    const events = await listAllEvents(world, runId);
    duplicateEventCount += countDuplicateEvents(events);
    if (run.status !== 'completed') {
      const last = events.slice(-4).map((event) => event.eventType);
      unfinished.push(`${runId} ${run.status} after ${last.join(', ')}`);
    }
    const twice = duplicateEvents(events, 'step_completed');
    for (const correlationId of twice) {
      duplicated +=
        events.filter(
          (event) => event.eventType === 'step_completed' && event.correlationId === correlationId,
        ).length - 1;
    }
  }
  return {
    runs: runIds.length,
    activeAtOutage,
    completed,
    duplicated,
    duplicateEvents: duplicateEventCount,
    lost,
    stuck,
    errorsLogged,
    errorsByMessage,
    recoveryMs,
    durationMs,
    unfinished,
  };
}

async function statuses(world: World, runIds: string[]): Promise<string[]> {
  const runs = await Promise.all(
    runIds.map((runId) => world.runs.get(runId, { resolveData: 'none' })),
  );
  return runs.map((run) => run.status);
}
