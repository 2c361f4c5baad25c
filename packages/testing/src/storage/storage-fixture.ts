import type { StorageProvider } from '@worldkit/core';
import { afterEach, beforeEach } from 'vitest';
import { testProviderContext } from '../provider-context.js';
import {
  type ResolvedCapabilities,
  resolveCapabilities,
  type StorageUnderTest,
} from './conformance-options.js';

export interface FreshStorage {
  /** The storage of the running test. */
  storage: () => StorageUnderTest;
  /** What the provider of the running test declares, with defaults applied. */
  capabilities: () => ResolvedCapabilities;
}

/**
 * Gives every test its own storage from the provider `create` returns, started, and closes it
 * afterwards, even when the test failed. Accessors, because the storage only exists while a
 * test runs.
 */
export function useFreshStorage(
  create: () => StorageProvider | Promise<StorageProvider>,
): FreshStorage {
  let current: { storage: StorageUnderTest; capabilities: ResolvedCapabilities } | undefined;

  beforeEach(async () => {
    const provider = await create();
    const storage = provider.create(testProviderContext({ deploymentId: 'storage-conformance' }));
    await storage.start?.();
    current = { storage, capabilities: resolveCapabilities(provider.capabilities) };
  });

  afterEach(async () => {
    const storage = current?.storage;
    current = undefined;
    await storage?.close?.();
  });

  const running = () => {
    if (!current) throw new Error('the conformance storage is only available inside a test');
    return current;
  };
  return { storage: () => running().storage, capabilities: () => running().capabilities };
}
