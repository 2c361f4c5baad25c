import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The version whose code is handling the current delivery. The runtime enqueues a run's
 * follow-up messages (steps, continuations) without a `deploymentId`; inside a delivery they
 * must go to the run's version, not to the process's own, or a v1 run would continue on v2
 * code in a process that hosts both. Kept on `globalThis` so every copy of this package
 * (one per bundle) sees the same scope.
 */
const STORAGE = Symbol.for('@worldkit/core//delivery-scope');
type Holder = { [STORAGE]?: AsyncLocalStorage<string> };

function storage(): AsyncLocalStorage<string> {
  const holder = globalThis as Holder;
  holder[STORAGE] ??= new AsyncLocalStorage<string>();
  return holder[STORAGE];
}

/** Runs a handler call with `deploymentId` as the version of everything it enqueues. */
export function withDeliveryScope<T>(deploymentId: string, handle: () => T): T {
  return storage().run(deploymentId, handle);
}

/** The version of the delivery being handled, if any. */
export function currentDeliveryScope(): string | undefined {
  return storage().getStore();
}
