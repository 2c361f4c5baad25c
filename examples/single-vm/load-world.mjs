/**
 * Composes the World from world.config.ts (next to this file, or $WORLDKIT_CONFIG) and loads
 * the workflows `wf build` wrote to .well-known/. Shared by the worker, the server and setup.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createWorld, loadWorkflowCode } from '@worldkit/core';
import { findConfigFile, loadWorldConfig } from '@worldkit/core/target-world';

export const EXAMPLE_DIRECTORY = dirname(fileURLToPath(import.meta.url));

/** The composed World, without loading any workflow code (enough for `setup`). */
export function composeWorld() {
  return createWorld(loadWorldConfig(findConfigFile(EXAMPLE_DIRECTORY)));
}

/** The World with this build's workflows loaded onto it, ready to start runs or consume. */
export function loadWorld() {
  const world = composeWorld();
  const code = loadWorkflowCode({ world, directory: EXAMPLE_DIRECTORY });
  return { world, code };
}

/** One lifecycle line: `<process>: <event> key=value …`, easy to grep in journald or PM2 logs. */
export function logLifecycle(processName, event, fields = {}) {
  const details = Object.entries(fields)
    .map(([key, value]) => ` ${key}=${value}`)
    .join('');
  console.log(`${processName}: ${event}${details}`);
}

/** The first line of an error, so a failure is one log line. */
export function describeError(error) {
  const message = error instanceof Error ? error.message : String(error);
  return message
    .split('\n')
    .map((line) => line.trim())
    .join(' ');
}
