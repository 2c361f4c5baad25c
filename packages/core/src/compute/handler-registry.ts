import type { RuntimeQueueHandler } from '../contracts/compute.js';

/**
 * Handlers registered by loaded workflow code, keyed by version then queue prefix.
 * Process-wide (on `globalThis`): code is loaded once per process, while Worlds may be
 * composed several times (each bundle's copy of the runtime composes its own).
 */
const REGISTRY = Symbol.for('@worldkit/core//handler-registry');
type Registry = Map<string, Map<string, RuntimeQueueHandler>>;
type RegistryHolder = { [REGISTRY]?: Registry };

function registry(): Registry {
  const holder = globalThis as RegistryHolder;
  holder[REGISTRY] ??= new Map();
  return holder[REGISTRY];
}

export function registerHandler(
  deploymentId: string,
  prefix: string,
  handler: RuntimeQueueHandler,
) {
  const byPrefix = registry().get(deploymentId) ?? new Map<string, RuntimeQueueHandler>();
  byPrefix.set(prefix, handler);
  registry().set(deploymentId, byPrefix);
}

export function findHandler(deploymentId: string, prefix: string): RuntimeQueueHandler | undefined {
  return registry().get(deploymentId)?.get(prefix);
}

/** Versions whose code is loaded in this process. */
export function loadedDeployments(): string[] {
  return [...registry().keys()];
}
