/**
 * Reads what the World stored about one run — the run record, its steps and its event log —
 * and condenses it into what the quickstart prints. Everything here comes from storage,
 * not from the workflow code, so it shows what any observer of this World would see.
 */
export async function readRunHistory(world, runId) {
  const run = await world.runs.get(runId, { resolveData: 'all' });
  const steps = await listAll((cursor) =>
    world.steps.list({ runId, resolveData: 'none', pagination: { limit: 100, cursor } }),
  );
  const events = await listAll((cursor) =>
    world.events.list({
      runId,
      resolveData: 'all',
      pagination: { limit: 100, cursor, sortOrder: 'asc' },
    }),
  );

  const retriesByStep = new Map();
  for (const event of events.filter((item) => item.eventType === 'step_retrying')) {
    const list = retriesByStep.get(event.correlationId) ?? [];
    list.push(errorMessage(event.eventData?.error));
    retriesByStep.set(event.correlationId, list);
  }

  return {
    runId,
    workflow: shortName(run.workflowName),
    status: run.status,
    error: run.error ? errorMessage(run.error) : undefined,
    durationMs: elapsed(run.createdAt, run.completedAt),
    eventCount: events.length,
    steps: steps
      .sort((a, b) => time(a.createdAt) - time(b.createdAt))
      .map((step) => ({
        name: shortName(step.stepName),
        attempt: step.attempt,
        status: step.status,
        durationMs: elapsed(step.startedAt, step.completedAt),
        failedAttempts: retriesByStep.get(step.stepId) ?? [],
      })),
    sleeps: pairEvents(events, 'wait_created', 'wait_completed'),
    hooks: pairEvents(events, 'hook_created', 'hook_received').map((pair) => ({
      ...pair,
      token: events.find(
        (event) => event.eventType === 'hook_created' && event.correlationId === pair.correlationId,
      )?.eventData?.token,
    })),
  };
}

/** Follows `cursor` until `hasMore` is false. */
async function listAll(page) {
  const items = [];
  let cursor;
  do {
    const result = await page(cursor);
    items.push(...result.data);
    cursor = result.hasMore ? (result.cursor ?? undefined) : undefined;
  } while (cursor);
  return items;
}

/** For each `startType` event, how long until the matching `endType` event (same correlation id). */
function pairEvents(events, startType, endType) {
  return events
    .filter((event) => event.eventType === startType)
    .map((started) => {
      const ended = events.find(
        (event) => event.eventType === endType && event.correlationId === started.correlationId,
      );
      return {
        correlationId: started.correlationId,
        durationMs: ended ? elapsed(started.createdAt, ended.createdAt) : undefined,
      };
    });
}

/** `step//./workflows/order//chargeCard` → `chargeCard`. */
function shortName(id) {
  return String(id).split('//').at(-1);
}

function time(value) {
  return value ? new Date(value).getTime() : Number.NaN;
}

function elapsed(from, to) {
  const ms = time(to) - time(from);
  return Number.isFinite(ms) ? ms : undefined;
}

function errorMessage(error) {
  if (error == null) return 'unknown error';
  if (typeof error === 'string') return error;
  if (typeof error.message === 'string') return error.message;
  return JSON.stringify(error);
}
