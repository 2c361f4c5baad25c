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

/**
 * Idempotency keys of the wake-ups `recoverStalledRuns` sends start with this. Such a wake-up
 * says the run's messages were lost, so the keys of what its delivery enqueues again (the
 * step the run still waits for) must not match the lost messages' keys: a transport that
 * still remembers those would drop the re-send, and nothing else would wake the run.
 */
export const RECOVERY_KEY_PREFIX = 'recover:';

const RECOVERY = Symbol.for('@worldkit/core//recovery-wake-up');
type RecoveryHolder = { [RECOVERY]?: AsyncLocalStorage<string> };

function recoveryStorage(): AsyncLocalStorage<string> {
  const holder = globalThis as RecoveryHolder;
  holder[RECOVERY] ??= new AsyncLocalStorage<string>();
  return holder[RECOVERY];
}

/**
 * Runs a handler call for a delivery whose message had `idempotencyKey`: when that is a
 * recovery wake-up, what the call enqueues is keyed apart from the messages it replaces (the
 * composite queue appends the wake-up's key to each idempotency key).
 */
export function withRecoveryScope<T>(idempotencyKey: string | undefined, handle: () => T): T {
  if (!idempotencyKey?.startsWith(RECOVERY_KEY_PREFIX)) return handle();
  return recoveryStorage().run(idempotencyKey, handle);
}

/** The key of the recovery wake-up being delivered, if the current delivery is one. */
export function currentRecoveryWakeUp(): string | undefined {
  return recoveryStorage().getStore();
}
