import { type ComposedWorld, createWorld, type WorldConfig } from '@worldkit/core';
import { setWorld } from 'workflow/runtime';

const REGISTERED = Symbol.for('@worldkit/next//registered-world');
type Holder = { [REGISTERED]?: ComposedWorld };

/** A config, a composed World, or the module `await import('./world.config')` returns. */
export type WorldSource = WorldConfig | ComposedWorld | { default: WorldConfig | ComposedWorld };

export interface RegisterWorldkitOptions {
  /**
   * Also call `world.start()`, which makes this process consume the queue. Off by default: on
   * Vercel (or any deployment per version) a dispatcher consumes and posts each message to the
   * version that owns it. Turn it on for one long-running `next start` that is its own worker.
   */
  start?: boolean;
}

/**
 * Composes the World once per process and hands it to the Workflow runtime (`setWorld`), so
 * every workflow route, `start()` and `resumeHook()` use it. Call it from `register()` in
 * `instrumentation.ts`, which Next.js runs before serving any request:
 *
 * ```ts
 * export async function register() {
 *   if (process.env.NEXT_RUNTIME !== 'nodejs') return;
 *   const { registerWorldkit } = await import('@worldkit/next/register');
 *   await registerWorldkit(await import('./world.config'));
 * }
 * ```
 *
 * Calling it again (Next.js dev reloads) returns the World already registered.
 */
export async function registerWorldkit(
  source: WorldSource,
  options: RegisterWorldkitOptions = {},
): Promise<ComposedWorld> {
  const holder = globalThis as Holder;
  let world = holder[REGISTERED];
  if (!world) {
    world = toWorld(source);
    holder[REGISTERED] = world;
  }
  setWorld(world);
  if (options.start) await world.start();
  return world;
}

/** The World `registerWorldkit()` registered in this process. */
export function getRegisteredWorld(): ComposedWorld {
  const world = (globalThis as Holder)[REGISTERED];
  if (!world) {
    throw new Error(
      '@worldkit/next: no World is registered in this process; call registerWorldkit() from register() in instrumentation.ts',
    );
  }
  return world;
}

function toWorld(source: WorldSource): ComposedWorld {
  const value = isModule(source) ? source.default : source;
  if (!value || typeof value !== 'object') {
    throw new Error(
      `@worldkit/next: registerWorldkit() needs a world config (defineWorld({...})), a composed World or the world.config module; got ${value === null ? 'null' : typeof value}`,
    );
  }
  return 'worldkit' in value ? value : createWorld(value);
}

function isModule(source: WorldSource): source is { default: WorldConfig | ComposedWorld } {
  return (
    typeof source === 'object' &&
    source !== null &&
    'default' in source &&
    !('storage' in source) &&
    !('worldkit' in source)
  );
}
