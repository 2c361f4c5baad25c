import type { Storage } from '@workflow/world';
import type { Lifecycle, ProviderBase } from './provider.js';
import type { VersionsProvider } from './versions.js';

export interface StorageCapabilities {
  /** Each `events.create` writes the event and its entity change atomically (storage rule 1 in docs/contract.md). Required. */
  atomicEventWrites: boolean;
  /** Highest `@workflow/world` spec version of runs this storage can hold. */
  maxSpecVersion: number;
  /** Data survives a process restart. */
  durable: boolean;
  [capability: string]: unknown;
}

/** A storage instance is exactly the `Storage` part of a World, plus optional lifecycle. */
export type StorageInstance = Storage & Lifecycle & { setup?(): Promise<void> };

export interface StorageProvider
  extends ProviderBase<'storage', StorageInstance, StorageCapabilities> {
  /** The version store this storage ships, used when the config names no `versions` provider. */
  readonly versions?: VersionsProvider;
}
