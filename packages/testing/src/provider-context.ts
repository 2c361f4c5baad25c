import { createMemoryVersionStore, type Logger, type ProviderContext } from '@worldkit/core';

/** A logger that drops everything, for tests that provoke warnings on purpose. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * The context `createWorld` hands a provider's `create()`, for calling providers directly in
 * tests: a deployment id, a silent logger and an in-memory version store.
 */
export function testProviderContext(overrides: Partial<ProviderContext> = {}): ProviderContext {
  const versions = createMemoryVersionStore();
  return { deploymentId: 'test', logger: silentLogger, versions: () => versions, ...overrides };
}
