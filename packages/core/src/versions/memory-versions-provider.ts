import { SPECIFICATION_VERSION } from '../contracts/provider.js';
import type { VersionsProvider } from '../contracts/versions.js';
import { createMemoryVersionStore } from './memory-version-store.js';

/** Non-durable version store; the composer's fallback when storage ships none. */
export function memoryVersions(): VersionsProvider {
  return {
    slot: 'versions',
    specificationVersion: SPECIFICATION_VERSION,
    name: 'memory',
    packageName: '@worldkit/core',
    capabilities: { durable: false },
    create: () => createMemoryVersionStore(),
  };
}
