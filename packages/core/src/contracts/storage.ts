import type {
  CreateEventRequest,
  Event,
  EventResult,
  Hook,
  RunCreatedEventRequest,
  Step,
  StepWithoutData,
  WorkflowRun,
  WorkflowRunWithoutData,
} from '@workflow/world';
import type {
  StorageCapabilitiesV1,
  StorageInstanceV1,
  StorageProviderV1,
} from '@worldkit/provider';

export type StorageCapabilities = StorageCapabilitiesV1;

/**
 * The records of the runtime this composer serves (`@workflow/world` 4.x), bound into the
 * provider contract's storage map. A later runtime line gets its own map (and, where the shapes
 * differ, a mapping in the composer); providers keep implementing `StorageInstanceV1`.
 */
export interface WorkflowStorageRecords {
  run: WorkflowRun;
  runWithoutData: WorkflowRunWithoutData;
  step: Step;
  stepWithoutData: StepWithoutData;
  event: Event;
  hook: Hook;
  eventResult: EventResult;
  runCreatedEventRequest: RunCreatedEventRequest;
  eventRequest: CreateEventRequest;
}

/**
 * A storage instance: the provider contract's storage (`StorageInstanceV1`) over the runtime's
 * records, which is exactly the `Storage` part of a World plus optional lifecycle and `setup`
 * (checked both ways in `runtime-compatibility.ts`).
 */
export type StorageInstance = StorageInstanceV1<WorkflowStorageRecords>;

export type StorageProvider = StorageProviderV1<StorageCapabilities, WorkflowStorageRecords>;
