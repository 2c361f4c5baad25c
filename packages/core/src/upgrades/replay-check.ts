import type { Event, WorkflowRun } from '@workflow/world';
import { monotonicFactory } from 'ulid';
import type { ComposedWorld } from '../compose/create-world.js';
import { findHandler } from '../compute/handler-registry.js';
import { installedWorldSlot } from '../runtime/install-world.js';
import { withReplaySandbox } from '../runtime/replay-sandbox-scope.js';
import { isVersionRoutingWorld } from '../runtime/version-routing-world.js';
import { planEventCopy } from './event-copy-plan.js';
import { type ReplaySandboxRecord, replaySandboxWorld } from './replay-check-sandbox.js';
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
  /** The replay could not run here (code not loaded in this process, no replay seed, …). */
  | { status: 'not-checked'; reason: string };

const WORKFLOW_PREFIX = '__wkf_workflow_';
const LIFECYCLE = new Set(['run_created', 'run_started']);
const nextUlid = monotonicFactory();

/**
 * Runs `versionId`'s workflow handler — the one its bundle registered in this process — over
 * the events a resume of `run` would copy, inside a sandbox World (see replaySandboxWorld),
 * and reads the runtime's own verdict from what it tried to write: a `ReplayDivergenceError`
 * makes it queue a recovery replay naming the divergent event, any other failure makes it
 * write `run_failed`; a suspension or completion means the target accepts the log.
 *
 * The replay uses the old run's id and start time rather than the new run's. The runtime
 * derives each call's correlation id from that seed, and the copy is re-keyed call by call
 * (correlation-ids.ts), so the k-th call meets the same event under either seed; replaying
 * under the old seed matches the old log as is and reports the old run's event ids.
 */
export async function replayCheck(
  world: ComposedWorld,
  run: WorkflowRun,
  versionId: string,
  log: Event[],
  cutAfterEventId?: string,
): Promise<ReplayCheckResult> {
  const handler = findHandler(versionId, WORKFLOW_PREFIX);
  if (!handler) {
    return {
      status: 'not-checked',
      reason: `the code of version "${versionId}" is not loaded in this process (loadWorkflowCode)`,
    };
  }
  if (!isVersionRoutingWorld(installedWorldSlot())) {
    return {
      status: 'not-checked',
      reason:
        'the runtime World was not installed by loadWorkflowCode, so no sandbox can stand in for it',
    };
  }
  if (!run.startedAt) {
    return { status: 'not-checked', reason: 'the run has not started, so it has no replay seed' };
  }

  const copied = new Set(planEventCopy(run.runId, log, cutAfterEventId).events);
  const replayed = log.filter((event) => LIFECYCLE.has(event.eventType) || copied.has(event));
  // The new run is running on the target; the old run may already be cancelled.
  const probeRun = { ...run, status: 'running', deploymentId: versionId } as WorkflowRun;
  const sandbox = replaySandboxWorld(world, probeRun, replayed);
  try {
    await withReplaySandbox(sandbox.world, () =>
      handler(
        { runId: run.runId },
        {
          attempt: 1,
          queueName: `${WORKFLOW_PREFIX}${run.workflowName}`,
          messageId: `msg_replay_check_${nextUlid()}`,
        },
      ),
    );
  } catch (error) {
    return {
      status: 'not-checked',
      reason: `the replay stopped on an error outside the workflow code: ${
        error instanceof Error ? error.message : String(error)
      }`,
    };
  }
  return verdict(sandbox.record, log, versionId);
}

function verdict(record: ReplaySandboxRecord, log: Event[], versionId: string): ReplayCheckResult {
  const recovery = record.sends
    .map((send) => (send.message as { replayDivergence?: { eventId?: string } }).replayDivergence)
    .find((divergence) => divergence?.eventId);
  const failure = record.writes.find((write) => write.eventType === 'run_failed') as
    | { eventData?: { error?: { message?: string } } }
    | undefined;
  const failureMessage = failure?.eventData?.error?.message;
  if (!recovery && failureMessage === undefined) return { status: 'compatible' };

  const eventId = recovery?.eventId ?? eventIdIn(failureMessage ?? '');
  const index = eventId ? log.findIndex((event) => event.eventId === eventId) : -1;
  const event = index >= 0 ? log[index] : undefined;
  const message = event
    ? `version "${versionId}" cannot replay the event log: its code does not make the call that wrote ${event.eventType} (${event.correlationId ?? 'no correlation id'}, event ${event.eventId})`
    : `replaying the event log on version "${versionId}" fails: ${failureMessage ?? 'replay diverged'}`;
  const previous = index > 0 ? log[index - 1] : undefined;
  return {
    status: 'diverged',
    problem: { kind: 'replay-divergence', message, ...(event ? { eventId: event.eventId } : {}) },
    ...(previous ? { suggestedCutAfterEventId: previous.eventId } : {}),
  };
}

/** The event id the runtime's divergence messages name (`eventId=…` or `divergent event was …`). */
function eventIdIn(message: string): string | undefined {
  return /(?:eventId=|divergent event was )([A-Za-z0-9_]+)/.exec(message)?.[1];
}
