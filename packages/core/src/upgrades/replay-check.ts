import type { Event, WorkflowRun } from '@workflow/world';
import type { ComposedWorld } from '../compose/create-world.js';
import { findHandler } from '../compute/handler-registry.js';
import { planEventCopy } from './event-copy-plan.js';
import { type ReplayRequest, type ReplayVerdict, replayOnVersion } from './replay-on-version.js';
import type { CompatibilityProblem } from './upgrade-errors.js';

/** The outcome of replaying a version's workflow code over a run's (copied) event log. */
export type ReplayCheckResult =
  | { status: 'compatible' }
  | {
      status: 'diverged';
      problem: CompatibilityProblem;
      /** The last event before the divergence: a cut point for a partial resume. */
      suggestedCutAfterEventId?: string;
    }
  /** The replay could not run (code neither loaded here nor reachable, no replay seed, …). */
  | { status: 'not-checked'; reason: string };

const WORKFLOW_PREFIX = '__wkf_workflow_';
const LIFECYCLE = new Set(['run_created', 'run_started']);

/**
 * Replays `versionId`'s workflow code over the events a resume of `run` would copy, without
 * side effects, and reports the first event it cannot reproduce. The code answers where it
 * runs: in this process when its bundle was loaded here (`loadWorkflowCode`), otherwise in its
 * own deployment when the compute slot can reach it (`compute.replay`, e.g. signed HTTP to the
 * version's address) — which is how a Vercel deployment is checked before anything is
 * cancelled.
 *
 * The replay uses the old run's id and start time rather than the new run's. The runtime
 * derives each call's correlation id and generated token from that seed, and the copy is
 * re-keyed call by call (correlation-ids.ts, generated-tokens.ts), so the k-th call meets the
 * same event under either seed; replaying under the old seed matches the old log as is and
 * reports the old run's event ids.
 */
export async function replayCheck(
  world: ComposedWorld,
  run: WorkflowRun,
  versionId: string,
  log: Event[],
  cutAfterEventId?: string,
): Promise<ReplayCheckResult> {
  if (!run.startedAt) {
    return { status: 'not-checked', reason: 'the run has not started, so it has no replay seed' };
  }
  const copied = new Set(planEventCopy(run.runId, log, cutAfterEventId).events);
  const request: ReplayRequest = {
    // The new run is running on the target; the old run may already be cancelled.
    run: { ...run, status: 'running', deploymentId: versionId } as WorkflowRun,
    events: log.filter((event) => LIFECYCLE.has(event.eventType) || copied.has(event)),
  };

  const handler = findHandler(versionId, WORKFLOW_PREFIX);
  const remote = world.worldkit.compute.replay;
  let verdict: ReplayVerdict;
  if (handler) verdict = await replayOnVersion(handler, request);
  else if (remote) verdict = await remote(versionId, request);
  else {
    return {
      status: 'not-checked',
      reason: `the code of version "${versionId}" is not loaded in this process (loadWorkflowCode), and the compute slot "${world.worldkit.providers.compute.name}" cannot ask its deployment to replay`,
    };
  }
  return resultOf(verdict, log, versionId);
}

function resultOf(verdict: ReplayVerdict, log: Event[], versionId: string): ReplayCheckResult {
  if (verdict.status !== 'diverged') return verdict;
  const index = verdict.eventId ? log.findIndex((event) => event.eventId === verdict.eventId) : -1;
  const event = index >= 0 ? log[index] : undefined;
  const message = event
    ? `version "${versionId}" cannot replay the event log: its code does not make the call that wrote ${event.eventType} (${event.correlationId ?? 'no correlation id'}, event ${event.eventId})`
    : `replaying the event log on version "${versionId}" fails: ${verdict.failureMessage ?? 'replay diverged'}`;
  const previous = index > 0 ? log[index - 1] : undefined;
  return {
    status: 'diverged',
    problem: { kind: 'replay-divergence', message, ...(event ? { eventId: event.eventId } : {}) },
    ...(previous ? { suggestedCutAfterEventId: previous.eventId } : {}),
  };
}
