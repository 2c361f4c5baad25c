import type { Event, WorkflowRun, World } from '@workflow/world';
import { monotonicFactory } from 'ulid';
import type { RuntimeQueueHandler } from '../contracts/compute.js';
import { installedWorldSlot, installWorld } from '../runtime/install-world.js';
import { withReplaySandbox } from '../runtime/replay-sandbox-scope.js';
import { isVersionRoutingWorld, versionRoutingWorld } from '../runtime/version-routing-world.js';
import { type ReplaySandboxRecord, replaySandboxWorld } from './replay-check-sandbox.js';

/**
 * A replay check as the target version's code answers it, wherever that code runs: in this
 * process (`loadWorkflowCode`) or in a deployment reached over HTTP. The request holds the run
 * (as the new run on the target would see it) and the events a resume would give it; the
 * verdict says whether the code reproduced them, and if not, which event it could not.
 */
export interface ReplayRequest {
  run: WorkflowRun;
  events: Event[];
}

/** The code's answer; the checker turns it into a report with the log's own wording. */
export type ReplayVerdict =
  | { status: 'compatible' }
  | { status: 'diverged'; eventId?: string; failureMessage?: string }
  | { status: 'not-checked'; reason: string };

/** Marks a queue message as a replay request rather than a delivery (see `replayRequestOf`). */
const REPLAY_KEY = 'worldkitReplayCheck';
const WORKFLOW_PREFIX = '__wkf_workflow_';
const nextUlid = monotonicFactory();

/** The message a compute sends to a version's workflow endpoint to ask for a replay. */
export function replayRequestMessage(request: ReplayRequest): Record<string, unknown> {
  return { [REPLAY_KEY]: request };
}

/**
 * The replay request a delivered message carries, if it is one. The runtime's own workflow
 * messages (`{ runId, traceCarrier, runInput }`) never have the key, and a transport signs the
 * whole message, so a delivery cannot be turned into a replay request or the other way round.
 */
export function replayRequestOf(message: unknown): ReplayRequest | undefined {
  if (!message || typeof message !== 'object' || !(REPLAY_KEY in message)) return undefined;
  const request = (message as Record<string, unknown>)[REPLAY_KEY] as Partial<ReplayRequest>;
  if (!request?.run || !Array.isArray(request.events)) return undefined;
  return request as ReplayRequest;
}

/**
 * Runs `handler` — the workflow handler the version's bundle gave `createQueueHandler` — over
 * the request's log inside a sandbox World (replay-check-sandbox.ts) and reads the runtime's own
 * verdict from what it tried to write: a `ReplayDivergenceError` makes it queue a recovery
 * replay naming the divergent event, any other failure makes it write `run_failed`; a
 * suspension or completion means the code accepts the log. Nothing reaches real storage.
 */
export async function replayOnVersion(
  handler: RuntimeQueueHandler,
  request: ReplayRequest,
): Promise<ReplayVerdict> {
  const real = sandboxableWorld();
  if (!real) {
    return { status: 'not-checked', reason: 'no World is installed in the process of the code' };
  }
  const sandbox = replaySandboxWorld(real, request.run, request.events);
  try {
    await withReplaySandbox(sandbox.world, () =>
      handler(
        { runId: request.run.runId },
        {
          attempt: 1,
          queueName: `${WORKFLOW_PREFIX}${request.run.workflowName}`,
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
  return verdictOf(sandbox.record);
}

/**
 * The World the runtime uses in this process, made able to answer a sandbox: the routing
 * wrapper (which `loadWorkflowCode` installs) consults the replay scope on every read, and
 * outside a scope passes everything through — so a World installed by `setWorld()` or
 * `WORKFLOW_TARGET_WORLD` is wrapped in place, changing nothing for other deliveries.
 */
function sandboxableWorld(): World | undefined {
  const slot = installedWorldSlot();
  if (!slot) return undefined;
  if (!isVersionRoutingWorld(slot)) installWorld(versionRoutingWorld(slot));
  return slot;
}

function verdictOf(record: ReplaySandboxRecord): ReplayVerdict {
  const recovery = record.sends
    .map((send) => (send.message as { replayDivergence?: { eventId?: string } }).replayDivergence)
    .find((divergence) => divergence?.eventId);
  const failure = record.writes.find((write) => write.eventType === 'run_failed') as
    | { eventData?: { error?: { message?: string } } }
    | undefined;
  const failureMessage = failure?.eventData?.error?.message;
  if (!recovery && failureMessage === undefined) return { status: 'compatible' };
  const eventId = recovery?.eventId ?? eventIdIn(failureMessage ?? '');
  return {
    status: 'diverged',
    ...(eventId ? { eventId } : {}),
    ...(failureMessage !== undefined ? { failureMessage } : {}),
  };
}

/** The event id the runtime's divergence messages name (`eventId=…` or `divergent event was …`). */
function eventIdIn(message: string): string | undefined {
  return /(?:eventId=|divergent event was )([A-Za-z0-9_]+)/.exec(message)?.[1];
}
