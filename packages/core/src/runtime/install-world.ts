import type { World } from '@workflow/world';
import { unwrapWorld } from './version-routing-world.js';

/**
 * The symbols `setWorld()` from `workflow/runtime` writes. Every copy of the runtime (the test's
 * `workflow/api`, and one inside each built bundle) reads the World from them, so setting them
 * here has the same effect without making @worldkit/core depend on the `workflow` package.
 * Verified against @workflow/core 4.8.9 `dist/runtime/world.js`.
 */
const WORLD_CACHE = Symbol.for('@workflow/world//cache');
const STUBBED_WORLD_CACHE = Symbol.for('@workflow/world//stubbedCache');

type WorldHolder = { [WORLD_CACHE]?: World; [STUBBED_WORLD_CACHE]?: World };

/** Makes `world` the World every runtime copy in this process uses from now on. */
export function installWorld(world: World): void {
  const holder = globalThis as WorldHolder;
  holder[WORLD_CACHE] = world;
  holder[STUBBED_WORLD_CACHE] = world;
}

/** The World the runtime currently uses, if one was installed or created. */
export function installedWorld(): World | undefined {
  return unwrapWorld((globalThis as WorldHolder)[WORLD_CACHE]);
}

/** The World object in the runtime's slot as it is (a wrapper stays a wrapper). */
export function installedWorldSlot(): World | undefined {
  return (globalThis as WorldHolder)[WORLD_CACHE];
}
