import type { LifecycleV1, ProviderV1 } from './provider.js';
import type { QueueEnvelopeV1 } from './queue.js';
import type { DefaultStorageRecordsV1, StorageRecordsV1 } from './storage.js';

/** The handler the runtime gives `createQueueHandler`. */
export type RuntimeQueueHandlerV1 = (
  message: unknown,
  meta: { attempt: number; queueName: string; messageId: string; requestId?: string },
) => Promise<RuntimeHandlerResultV1>;

/**
 * What the runtime's handler returns: nothing when the message is handled, or `{ timeoutSeconds }`
 * to have it redelivered after that many seconds (reported as `timeout`).
 */
// biome-ignore lint/suspicious/noConfusingVoidType: mirrors the runtime's own handler signature
export type RuntimeHandlerResultV1 = void | { timeoutSeconds: number };

/** What a compute instance reports after running a message through a version's code. */
export type HandlerResultV1 =
  | { type: 'done' }
  | { type: 'timeout'; timeoutSeconds: number }
  | { type: 'failed'; error: string }
  | { type: 'no-handler'; reason: string };

/** A run and its event log, to be replayed on another version's code without side effects. */
export interface ReplayRequestV1<R extends StorageRecordsV1 = DefaultStorageRecordsV1> {
  /** The run as storage returns it (`runs.get` with `resolveData: 'all'`). */
  run: R['run'];
  /** The run's whole event log in commit order (storage rule 8), payloads included. */
  events: R['event'][];
}

/** The code's answer to a replay request. */
export type ReplayVerdictV1 =
  | { status: 'compatible' }
  | { status: 'diverged'; eventId?: string; failureMessage?: string }
  | { status: 'not-checked'; reason: string };

/**
 * Compute decides how a queued message reaches the code of the version that owns it:
 * in-process handlers registered per version, or HTTP to the version's address.
 */
export interface ComputeInstanceV1<R extends StorageRecordsV1 = DefaultStorageRecordsV1>
  extends LifecycleV1 {
  /** Called by `createQueueHandler`: the code now loading registers its handler for a queue prefix. */
  register(deploymentId: string, prefix: string, handler: RuntimeQueueHandlerV1): void;
  /**
   * Runs `message` (the decoded `envelope.body`) through the code registered for
   * `envelope.deploymentId` and the queue prefix of `envelope.queueName`, and reports `done`,
   * `timeout` (redeliver after `timeoutSeconds`), `failed` (the handler threw) or `no-handler`
   * (that version's code is not reachable here). Reports a handler's error instead of throwing
   * (contract: Compute).
   */
  deliver(envelope: QueueEnvelopeV1, message: unknown): Promise<HandlerResultV1>;
  /** Turns an inbound HTTP delivery into a handler call (used by bundles' `POST` exports). */
  handleRequest?(
    prefix: string,
    handler: RuntimeQueueHandlerV1,
    request: Request,
  ): Promise<Response>;
  /**
   * Asks the code of `versionId`, where it runs, to replay a run's log without side effects.
   * Optional: a compute that cannot reach a version's code leaves replay checks `not-checked`.
   */
  replay?(versionId: string, request: ReplayRequestV1<R>): Promise<ReplayVerdictV1>;
}

/**
 * What a compute declares on its provider; read by the composer before `create` (contract:
 * Lifecycle, capabilities).
 */
export interface ComputeCapabilitiesV1 {
  /** Several versions' code can run in this process at once. */
  multiVersion: boolean;
}

/** A compute provider: `ProviderV1` for slot `'compute'`, creating a `ComputeInstanceV1`. */
export type ComputeProviderV1<
  Capabilities extends ComputeCapabilitiesV1 = ComputeCapabilitiesV1,
  R extends StorageRecordsV1 = DefaultStorageRecordsV1,
> = ProviderV1<'compute', ComputeInstanceV1<R>, Capabilities>;
