import type { World } from '@workflow/world';
import { currentDeliveryScope, withDeliveryScope } from '../compute/delivery-scope.js';
import { currentDeploymentScope } from '../compute/registration-scope.js';
import { currentReplaySandbox } from './replay-sandbox-scope.js';

/**
 * The runtime queues a run's step messages (and the workflow message after a step) without a
 * `deploymentId`, because on Vercel each deployment has its own queue. With several versions'
 * code in one process and one World, such a message would go to the World's own version, and
 * a v2 run would execute v1 steps. This wrapper remembers which version's handler is running
 * (an AsyncLocalStorage scope around every handler the bundles register) and fills in that
 * version for queue calls that name none; `getDeploymentId()` answers it too, so a child run
 * started from a v2 step is pinned to v2, as it would be on its own deployment.
 * Everything else is the wrapped World itself. The scope is the same one the composer's own
 * queue and in-process compute use, so Worlds that are not Worldkit compositions (a native
 * queue from an adapter) route the same way.
 */
const UNWRAPPED = Symbol.for('@worldkit/core//unwrapped-world');
const wrappers = new WeakMap<World, World>();

type QueueArgs = Parameters<World['queue']>;
type HandlerArgs = Parameters<Parameters<World['createQueueHandler']>[1]>;

export function versionRoutingWorld(world: World): World {
  const existing = wrappers.get(world);
  if (existing) return existing;
  const wrapper = new Proxy(world, {
    get(target, property, receiver) {
      if (property === UNWRAPPED) return target;
      // Inside a replay check the runtime must see only the check's sandbox (no real writes).
      const sandbox = currentReplaySandbox();
      if (sandbox) return Reflect.get(sandbox, property);
      if (property === 'queue') {
        return (name: QueueArgs[0], payload: QueueArgs[1], options: QueueArgs[2]) => {
          const version = currentDeliveryScope();
          const routed =
            version && !options?.deploymentId ? { ...options, deploymentId: version } : options;
          return target.queue(name, payload, routed);
        };
      }
      if (property === 'createQueueHandler') {
        return (
          prefix: Parameters<World['createQueueHandler']>[0],
          handler: Parameters<World['createQueueHandler']>[1],
        ) => {
          const version = currentDeploymentScope();
          if (!version) return target.createQueueHandler(prefix, handler);
          return target.createQueueHandler(prefix, (...args: HandlerArgs) =>
            withDeliveryScope(version, () => handler(...args)),
          );
        };
      }
      if (property === 'getDeploymentId') {
        return async () => currentDeliveryScope() ?? target.getDeploymentId();
      }
      return Reflect.get(target, property, receiver);
    },
  });
  wrappers.set(world, wrapper);
  return wrapper;
}

/** Whether `world` is a wrapper made by `versionRoutingWorld`. */
export function isVersionRoutingWorld(world: World | undefined): boolean {
  return (world as { [UNWRAPPED]?: World } | undefined)?.[UNWRAPPED] !== undefined;
}

/** The World a wrapper stands for (or the argument itself). */
export function unwrapWorld<T extends World | undefined>(world: T): T {
  return ((world as { [UNWRAPPED]?: T } | undefined)?.[UNWRAPPED] ?? world) as T;
}
