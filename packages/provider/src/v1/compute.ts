import type { LifecycleV1, ProviderV1 } from './provider.js';
import type { QueueEnvelopeV1 } from './queue.js';
import type { DefaultStorageRecordsV1, StorageRecordsV1 } from './storage.js';

/** The handler the runtime gives `createQueueHandler`. */
export type RuntimeQueueHandlerV1 = (
  message: unknown,
  meta: { attempt: number; queueName: string; messageId: string; requestId?: string },
) => Promise<RuntimeHandlerResultV1>;

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
  run: R['run'];
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

export interface ComputeCapabilitiesV1 {
  /** Several versions' code can run in this process at once. */
  multiVersion: boolean;
}

export type ComputeProviderV1<
  Capabilities extends ComputeCapabilitiesV1 = ComputeCapabilitiesV1,
  R extends StorageRecordsV1 = DefaultStorageRecordsV1,
> = ProviderV1<'compute', ComputeInstanceV1<R>, Capabilities>;
