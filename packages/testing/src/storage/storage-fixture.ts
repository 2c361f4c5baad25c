import { afterEach, beforeEach } from 'vitest';
import type { StorageConformanceOptions, StorageUnderTest } from './conformance-options.js';

/**
 * Gives every test its own storage from the provider's factory and closes it afterwards, even
 * when the test failed. Returns an accessor because the storage only exists while a test runs.
 */
export function useFreshStorage(
  createStorage: StorageConformanceOptions['createStorage'],
): () => StorageUnderTest {
  let current: StorageUnderTest | undefined;

  beforeEach(async () => {
    current = await createStorage();
  });

  afterEach(async () => {
    const storage = current;
    current = undefined;
    await storage?.close?.();
  });

  return () => {
    if (!current) throw new Error('the conformance storage is only available inside a test');
    return current;
  };
}
