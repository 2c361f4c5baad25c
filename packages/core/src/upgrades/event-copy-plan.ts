import type { Event } from '@workflow/world';
import { WorldkitError } from '@worldkit/provider';

/**
 * Which events of an old run a resumed run gets. Run lifecycle events are the new run's own;
 * `hook_conflict` is written by the World, never by a caller. Steps that had not finished are
 * left out entirely, so the new run schedules them again on its own code (their old attempt may
 * still be executing and can no longer report back to a cancelled run). With a cut point,
 * everything after it is left out too: steps finished later run again, waits and hooks created
 * before it stay open (a hook payload received after the cut is not replayed).
 */
export interface EventCopyPlan {
  events: Event[];
  /** Correlation ids of steps that will run again on the target version. */
  rerunSteps: string[];
}

const NOT_COPIED = new Set([
  'run_created',
  'run_started',
  'run_completed',
  'run_failed',
  'run_cancelled',
  'hook_conflict',
]);

export class UnknownCutPointError extends WorldkitError {
  static override readonly code = 'WORLDKIT_UNKNOWN_CUT_POINT';
  override readonly name = 'UnknownCutPointError';
  constructor(eventId: string, runId: string) {
    super(
      UnknownCutPointError.code,
      `event "${eventId}" is not in the event log of run "${runId}"`,
    );
  }
}

export function planEventCopy(
  runId: string,
  log: Event[],
  cutAfterEventId?: string,
): EventCopyPlan {
  let kept = log;
  if (cutAfterEventId !== undefined) {
    const index = log.findIndex((event) => event.eventId === cutAfterEventId);
    if (index < 0) throw new UnknownCutPointError(cutAfterEventId, runId);
    kept = log.slice(0, index + 1);
  }
  const finishedSteps = new Set(
    kept
      .filter((event) => event.eventType === 'step_completed' || event.eventType === 'step_failed')
      .map((event) => event.correlationId),
  );
  const rerunSteps = new Set<string>();
  const events = kept.filter((event) => {
    if (NOT_COPIED.has(event.eventType)) return false;
    const stepId = event.correlationId ?? '';
    if (event.eventType.startsWith('step_') && !finishedSteps.has(stepId)) {
      if (event.correlationId) rerunSteps.add(event.correlationId);
      return false;
    }
    return true;
  });
  return { events, rerunSteps: [...rerunSteps] };
}
