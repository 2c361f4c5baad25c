import { WorkflowRunNotFoundError } from '@workflow/errors';
import type { Event, Hook, Step, WorkflowRun, World } from '@workflow/world';
import { waitUntil } from '../wait-until.js';

const TERMINAL_STATUSES = new Set(['completed', 'failed', 'cancelled']);

/**
 * Waits until a run reaches a terminal status, polling storage every 20 ms (the runtime's
 * own `run.returnValue` polls once a second, which would make the suite slow).
 */
export async function waitForRun(
  world: World,
  runId: string,
  timeoutMs = 20_000,
): Promise<WorkflowRun> {
  return waitUntil(
    async () => {
      try {
        const run = await world.runs.get(runId);
        return TERMINAL_STATUSES.has(run.status) ? run : undefined;
      } catch (error) {
        // start() writes run_created and queues the run concurrently; it may not be visible yet.
        if (WorkflowRunNotFoundError.is(error)) return undefined;
        throw error;
      }
    },
    { what: `run ${runId} to finish`, timeoutMs, intervalMs: 20 },
  );
}

/**
 * Waits until every run reaches a terminal status, for as long as they make progress: fails
 * only when, for `stallMs`, no run finished and no run's newest event changed. A batch of runs
 * on a loaded machine or a slow emulator may take minutes in all, its runs advancing in
 * lockstep; a fixed deadline for the batch would fail it for being slow rather than stuck.
 * Polls once a second: each poll reads every pending run and its newest event.
 */
export async function waitForRunsWhileProgressing(
  world: World,
  runIds: string[],
  stallMs: number,
): Promise<WorkflowRun[]> {
  const finished = new Map<string, WorkflowRun>();
  const newestEvent = new Map<string, string>();
  let lastProgress = Date.now();
  while (finished.size < runIds.length) {
    const pending = runIds.filter((runId) => !finished.has(runId));
    const runs = await Promise.all(
      pending.map(async (runId) => {
        try {
          const run = await world.runs.get(runId);
          const page = await world.events.list({
            runId,
            pagination: { limit: 1, sortOrder: 'desc' },
            resolveData: 'none',
          });
          return { run, newest: page.data[0]?.eventId };
        } catch (error) {
          if (WorkflowRunNotFoundError.is(error)) return undefined;
          throw error;
        }
      }),
    );
    for (const entry of runs) {
      if (!entry) continue;
      const { run, newest } = entry;
      if (TERMINAL_STATUSES.has(run.status)) {
        finished.set(run.runId, run);
        lastProgress = Date.now();
      } else if (newest !== undefined && newestEvent.get(run.runId) !== newest) {
        newestEvent.set(run.runId, newest);
        lastProgress = Date.now();
      }
    }
    if (finished.size === runIds.length) break;
    if (Date.now() - lastProgress > stallMs) {
      throw new Error(
        `${runIds.length - finished.size} of ${runIds.length} runs made no progress for ${stallMs} ms (none finished, no new event)`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  return runIds.map((runId) => finished.get(runId)!);
}

/**
 * Polls `check` until it returns a value, failing with `what` after `timeoutMs`.
 * @deprecated Use `waitUntil(check, { what, timeoutMs })`.
 */
export function waitFor<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
): Promise<T> {
  return waitUntil(check, { what, timeoutMs, intervalMs: 20 }) as Promise<T>;
}

/** Every event of a run, oldest first, following cursors. */
export async function listAllEvents(world: World, runId: string): Promise<Event[]> {
  const events: Event[] = [];
  let cursor: string | undefined;
  do {
    const page = await world.events.list({
      runId,
      pagination: { limit: 100, cursor, sortOrder: 'asc' },
    });
    events.push(...page.data);
    cursor = page.hasMore ? (page.cursor ?? undefined) : undefined;
  } while (cursor);
  return events;
}

export async function listAllSteps(world: World, runId: string): Promise<Step[]> {
  const steps: Step[] = [];
  let cursor: string | undefined;
  do {
    const page = await world.steps.list({ runId, pagination: { limit: 100, cursor } });
    steps.push(...page.data);
    cursor = page.hasMore ? (page.cursor ?? undefined) : undefined;
  } while (cursor);
  return steps;
}

export async function listHooks(world: World, runId: string): Promise<Hook[]> {
  const page = await world.hooks.list({ runId, pagination: { limit: 100 } });
  return page.data;
}

/** Correlation ids that have more than one event of `eventType` (a World that double-wrote). */
export function duplicateEvents(events: Event[], eventType: Event['eventType']): string[] {
  const seen = new Map<string, number>();
  for (const event of events) {
    if (event.eventType !== eventType) continue;
    const key = event.correlationId ?? event.runId;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return [...seen].filter(([, count]) => count > 1).map(([key]) => key);
}

export function eventTypes(events: Event[]): string[] {
  return events.map((event) => event.eventType);
}
