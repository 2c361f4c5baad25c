/**
 * Compile-time checks that the provider contract (`@worldkit/provider`, v1) and the runtime this
 * composer serves (`@workflow/world`) still describe the same thing. Nothing here runs: when a
 * runtime upgrade or a contract edit makes them drift, `tsc` fails on the line that names the
 * pair, e.g. "Type 'false' does not satisfy the constraint 'true'" on `StorageIntoWorld`.
 */
import type { Queue, Storage, Streamer } from '@workflow/world';
import type { QueueEnvelopeV1, ReplayRequestV1, RuntimeQueueHandlerV1 } from '@worldkit/provider';
import type { z } from 'zod';
import type { ReplayRequest } from '../upgrades/replay-on-version.js';
import type { queueEnvelopeSchema } from './queue.js';
import type { StorageInstance, WorkflowStorageRecords } from './storage.js';
import type { StreamerInstance } from './streamer.js';
import type {
  CreateVersionInput,
  createVersionInputSchema,
  UpdateVersionInput,
  UpgradeRecord,
  updateVersionInputSchema,
  upgradeRecordSchema,
  Version,
  versionSchema,
} from './versions.js';

type Holds<T extends true> = T;
type Assignable<From, To> = [From] extends [To] ? true : false;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** A provider's storage can be handed to the runtime as a World's `Storage`… */
export type StorageIntoWorld = Holds<Assignable<StorageInstance, Storage>>;
/** …and a World's `Storage` (an adapted World, `fromWorld`) is a provider storage. */
export type WorldIntoStorage = Holds<Assignable<Storage, StorageInstance>>;
export type StreamerIntoWorld = Holds<Assignable<StreamerInstance, Streamer>>;
export type WorldIntoStreamer = Holds<Assignable<Streamer, StreamerInstance>>;
/** A compute's queue handler reads the metadata the runtime's `createQueueHandler` passes. */
export type QueueHandlerFitsWorld = Holds<
  Assignable<RuntimeQueueHandlerV1, Parameters<Queue['createQueueHandler']>[1]>
>;
export type ReplayRequestMatches = Holds<
  Same<ReplayRequest, ReplayRequestV1<WorkflowStorageRecords>>
>;

/** The schemas the composer validates stored records with produce the contract's types. */
export type EnvelopeSchemaMatches = Holds<
  Same<z.output<typeof queueEnvelopeSchema>, QueueEnvelopeV1>
>;
export type VersionSchemaMatches = Holds<Same<z.output<typeof versionSchema>, Version>>;
export type CreateVersionSchemaMatches = Holds<
  Same<z.output<typeof createVersionInputSchema>, CreateVersionInput>
>;
export type UpdateVersionSchemaMatches = Holds<
  Same<z.output<typeof updateVersionInputSchema>, UpdateVersionInput>
>;
export type UpgradeRecordSchemaMatches = Holds<
  Same<z.output<typeof upgradeRecordSchema>, UpgradeRecord>
>;
