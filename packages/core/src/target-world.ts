/**
 * Use as `WORKFLOW_TARGET_WORLD=@worldkit/core/target-world`. The runtime `require()`s this
 * module synchronously and calls its default export, several times per process (each bundle
 * has its own copy of the runtime), so the World is composed once per config file and cached.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createJiti } from 'jiti';
import { type ComposedWorld, createWorld } from './compose/create-world.js';
import type { WorldConfig } from './config/world-config.js';
import { WorldkitConfigError } from './errors.js';

export const CONFIG_PATH_ENV = 'WORLDKIT_CONFIG';
const CONFIG_FILES = [
  'world.config.ts',
  'world.config.mts',
  'world.config.js',
  'world.config.mjs',
  'world.config.cjs',
];
const CACHE = Symbol.for('@worldkit/core//target-world-cache');
type CacheHolder = { [CACHE]?: Map<string, ComposedWorld> };

export function findConfigFile(cwd = process.cwd()): string {
  const explicit = process.env[CONFIG_PATH_ENV];
  if (explicit) {
    const path = resolve(cwd, explicit);
    if (!existsSync(path)) {
      throw new WorldkitConfigError([
        {
          key: 'config file',
          expected: 'an existing file',
          received: JSON.stringify(path),
          envVar: CONFIG_PATH_ENV,
        },
      ]);
    }
    return path;
  }
  for (const name of CONFIG_FILES) {
    const path = resolve(cwd, name);
    if (existsSync(path)) return path;
  }
  throw new WorldkitConfigError([
    {
      key: 'config file',
      expected: `one of ${CONFIG_FILES.join(', ')} in ${cwd}`,
      received: 'none',
      envVar: CONFIG_PATH_ENV,
    },
  ]);
}

/** Loads a config module synchronously (TypeScript included) and returns its default export. */
export function loadWorldConfig(path: string): WorldConfig {
  const jiti = createJiti(import.meta.url, { moduleCache: true, interopDefault: true });
  const loaded = jiti(path) as { default?: WorldConfig } | WorldConfig;
  const config = (loaded as { default?: WorldConfig }).default ?? (loaded as WorldConfig);
  if (!config || typeof config !== 'object') {
    throw new WorldkitConfigError(
      [
        {
          key: 'default export',
          expected: 'defineWorld({...})',
          received: typeof config,
          envVar: CONFIG_PATH_ENV,
        },
      ],
      path,
    );
  }
  return config;
}

export function createTargetWorld(): ComposedWorld {
  const path = findConfigFile();
  const holder = globalThis as CacheHolder;
  holder[CACHE] ??= new Map();
  let world = holder[CACHE].get(path);
  if (!world) {
    world = createWorld(loadWorldConfig(path));
    holder[CACHE].set(path, world);
  }
  return world;
}

export default createTargetWorld;
export { createTargetWorld as createWorld };
