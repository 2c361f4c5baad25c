/**
 * Which version's code is loading right now. Workflow bundles call `createQueueHandler`
 * synchronously while they are being required, so a synchronous scope around `require()`
 * tells the registry which version the handlers belong to. Kept on `globalThis` because
 * each bundle carries its own copy of this package.
 */
const SCOPE = Symbol.for('@worldkit/core//registration-scope');
type ScopeHolder = { [SCOPE]?: string };

export function withDeploymentScope<T>(deploymentId: string, load: () => T): T {
  const holder = globalThis as ScopeHolder;
  const previous = holder[SCOPE];
  holder[SCOPE] = deploymentId;
  try {
    return load();
  } finally {
    holder[SCOPE] = previous;
  }
}

export function currentDeploymentScope(): string | undefined {
  return (globalThis as ScopeHolder)[SCOPE];
}
