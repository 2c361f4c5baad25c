import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  type ComposedWorld,
  createWorld,
  type WorldConfig,
  WorldkitConfigError,
  WorldkitError,
} from '@worldkit/core';
import { CONFIG_PATH_ENV, findConfigFile, loadWorldConfig } from '@worldkit/core/target-world';
import { ConfigLoadError } from './cli-errors.js';
import type { CliIo } from './cli-io.js';

/** `--config`, else `WORLDKIT_CONFIG`, else `world.config.{ts,mts,js,mjs,cjs}` in the cwd. */
export function resolveConfigPath(io: CliIo, explicit: string | undefined): string {
  const chosen = explicit ?? io.env[CONFIG_PATH_ENV];
  if (!chosen) return findConfigFile(io.cwd);
  const path = resolve(io.cwd, chosen);
  if (!existsSync(path)) {
    throw new WorldkitConfigError([
      {
        key: 'config file',
        expected: 'an existing file',
        received: JSON.stringify(path),
        envVar: explicit ? undefined : CONFIG_PATH_ENV,
      },
    ]);
  }
  return path;
}

/**
 * Evaluates the config module. Errors the config itself raises (a provider rejecting its
 * settings) keep their type; anything else (syntax errors, missing imports) becomes a
 * `ConfigLoadError` naming the file, so both exit as configuration problems.
 */
export function loadConfig(path: string): WorldConfig {
  try {
    return loadWorldConfig(path);
  } catch (error) {
    // Any Worldkit error (a provider rejecting its settings, from whichever copy of the packages
    // the config loaded) keeps its type and code.
    if (WorldkitError.is(error)) throw error;
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ConfigLoadError(`cannot load config ${path}: ${reason}`);
  }
}

export interface OpenedWorld {
  world: ComposedWorld;
  configPath: string;
}

/**
 * Composes the World without calling its `start()`: the composite's start makes this process
 * a queue consumer, and a CLI has no workflow code loaded to handle the app's messages. Every
 * part connects lazily on first use, which is all the commands need; `setup` calls the parts'
 * own `setup()`.
 */
export function openWorld(io: CliIo, explicitConfig: string | undefined): OpenedWorld {
  const configPath = resolveConfigPath(io, explicitConfig);
  const world = createWorld(loadConfig(configPath));
  return { world, configPath };
}

/** Runs `use` with an opened World and always closes it; a close failure never hides `use`'s. */
export async function withWorld<T>(
  io: CliIo,
  explicitConfig: string | undefined,
  use: (opened: OpenedWorld) => Promise<T>,
): Promise<T> {
  const opened = openWorld(io, explicitConfig);
  let result: T;
  try {
    result = await use(opened);
  } catch (error) {
    await opened.world.close().catch(() => {});
    throw error;
  }
  await opened.world.close();
  return result;
}
