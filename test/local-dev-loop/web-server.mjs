#!/usr/bin/env node
/**
 * Serves the observability UI of @workflow/web (its built Express app, as `workflow web`
 * does) on 127.0.0.1 and a free port, and prints `PORT <n>`. The UI's server composes the
 * World from WORKFLOW_TARGET_WORLD in the working directory. Needs Node.js >= 22 (node:sqlite).
 *
 *   node web-server.mjs <@workflow/web directory>
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const webDirectory = process.argv[2];
const { app } = await import(pathToFileURL(join(webDirectory, 'build', 'server', 'index.js')).href);
const server = app.listen(0, '127.0.0.1', () => console.log(`PORT ${server.address().port}`));
