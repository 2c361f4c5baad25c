import { defineVersionsProvider } from '@worldkit/provider';
import type { VersionsProvider } from '../contracts/versions.js';
import { createMemoryVersionStore } from './memory-version-store.js';

const memoryVersionsProvider = defineVersionsProvider({
  name: 'memory',
  packageName: '@worldkit/core',
  capabilities: { durable: false },
  create: () => createMemoryVersionStore(),
});

/** Non-durable version store; the composer's fallback when storage ships none. */
export function memoryVersions(): VersionsProvider {
  return memoryVersionsProvider();
}
