#!/usr/bin/env node
/**
 * A second process that starts runs on the quickstart's World while the app runs, the way a
 * script, a test or `workflow web`'s "recreate run" would: it composes the same World (a reader
 * of the data directory), loads the built workflows and calls `start()`. Its writes (run_created
 * and the queue message) go to the app, which executes the runs.
 *
 *   node start-runs.mjs <quickstart directory>
 *
 * Prints one JSON line: { sleeping, importing } run ids.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const directory = process.argv[2];
const resolveFrom = createRequire(join(directory, 'package.json'));
const load = (specifier) => import(pathToFileURL(resolveFrom.resolve(specifier)).href);

const { createWorld, loadWorkflowCode } = await load('@worldkit/core');
const { findConfigFile, loadWorldConfig } = await load('@worldkit/core/target-world');
const { start } = await load('workflow/api');

// The config names its data directory relative to the working directory, as in main.mjs.
process.chdir(directory);
const world = createWorld(loadWorldConfig(findConfigFile(directory)));
try {
  const code = loadWorkflowCode({ world, directory });
  const sleeping = await start(code.workflow('remindLater'), ['user-dev-loop', '1h']);
  const importing = await start(code.workflow('importContacts'), [2]);
  console.log(JSON.stringify({ sleeping: sleeping.runId, importing: importing.runId }));
} finally {
  await world.close();
}
