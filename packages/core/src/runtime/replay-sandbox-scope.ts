import { AsyncLocalStorage } from 'node:async_hooks';
import type { World } from '@workflow/world';

/**
 * A World that stands in for the installed one within one async context only: the replay
 * check runs a version's workflow handler against it, so the handler's `getWorld()` — which
 * reads the process-wide slot — must answer the sandbox there and the real World everywhere
 * else (other runs keep being delivered while a check runs). The version-routing wrapper,
 * which is what `loadWorkflowCode` installs, consults this scope on every property read.
 * Kept on `globalThis` for the same reason as the delivery scope: one copy per bundle.
 */
const STORAGE = Symbol.for('@worldkit/core//replay-sandbox-scope');
type Holder = { [STORAGE]?: AsyncLocalStorage<World> };

function storage(): AsyncLocalStorage<World> {
  const holder = globalThis as Holder;
  holder[STORAGE] ??= new AsyncLocalStorage<World>();
  return holder[STORAGE];
}

/** Runs `work` with `sandbox` as the World the installed wrapper answers. */
export function withReplaySandbox<T>(sandbox: World, work: () => T): T {
  return storage().run(sandbox, work);
}

/** The sandbox of the replay check running in this async context, if any. */
export function currentReplaySandbox(): World | undefined {
  return storage().getStore();
}
