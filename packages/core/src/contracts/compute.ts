import type {
  ComputeCapabilitiesV1,
  ComputeInstanceV1,
  HandlerResultV1,
  RuntimeQueueHandlerV1,
} from '@worldkit/provider';
import type { ProviderBase } from './provider.js';
import type { DeliveryOutcome } from './queue.js';
import type { WorkflowStorageRecords } from './storage.js';

/** The handler the runtime gives `createQueueHandler`. */
export type RuntimeQueueHandler = RuntimeQueueHandlerV1;

/** What a compute instance reports after running a message through a version's code. */
export type HandlerResult = HandlerResultV1;

/**
 * Compute decides how a queued message reaches the code of the version that owns it:
 * in-process handlers registered per version, or HTTP to the version's address.
 */
export type ComputeInstance = ComputeInstanceV1<WorkflowStorageRecords>;

export type ComputeCapabilities = ComputeCapabilitiesV1;

export type ComputeProvider = ProviderBase<'compute', ComputeInstance, ComputeCapabilities>;

export type { DeliveryOutcome };
