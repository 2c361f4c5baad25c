import type { ReplayRequest, ReplayVerdict } from '../upgrades/replay-on-version.js';
import type { Lifecycle, ProviderBase } from './provider.js';
import type { DeliveryOutcome, QueueEnvelope } from './queue.js';

/** The handler the runtime gives `createQueueHandler`. */
export type RuntimeQueueHandler = (
  message: unknown,
  meta: { attempt: number; queueName: string; messageId: string; requestId?: string },
) => Promise<RuntimeHandlerResult>;

// biome-ignore lint/suspicious/noConfusingVoidType: mirrors the runtime's own handler signature
type RuntimeHandlerResult = void | { timeoutSeconds: number };

/** What a compute instance reports after running a message through a version's code. */
export type HandlerResult =
  | { type: 'done' }
  | { type: 'timeout'; timeoutSeconds: number }
  | { type: 'failed'; error: string }
  | { type: 'no-handler'; reason: string };

/**
 * Compute decides how a queued message reaches the code of the version that owns it:
 * in-process handlers registered per version, or HTTP to the version's address.
 */
export interface ComputeInstance extends Lifecycle {
  /** Called by `createQueueHandler`: the code now loading registers its handler for a queue prefix. */
  register(deploymentId: string, prefix: string, handler: RuntimeQueueHandler): void;
  deliver(envelope: QueueEnvelope, message: unknown): Promise<HandlerResult>;
  /** Turns an inbound HTTP delivery into a handler call (used by bundles' `POST` exports). */
  handleRequest?(prefix: string, handler: RuntimeQueueHandler, request: Request): Promise<Response>;
  /**
   * Asks the code of `versionId`, where it runs, to replay a run's log without side effects
   * (`replayOnVersion` on its side). Optional: a compute whose versions' code is not loaded in
   * the checking process and that cannot reach it leaves replay checks `not-checked`.
   */
  replay?(versionId: string, request: ReplayRequest): Promise<ReplayVerdict>;
}

export interface ComputeCapabilities {
  /** Several versions' code can run in this process at once. */
  multiVersion: boolean;
  [capability: string]: unknown;
}

export type ComputeProvider = ProviderBase<'compute', ComputeInstance, ComputeCapabilities>;

export type { DeliveryOutcome };
