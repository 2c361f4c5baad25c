#!/usr/bin/env node
/**
 * `wf build` writes CommonJS bundles (flow.js, step.js) as `.js`, and this package is
 * `"type": "module"`, so Node would read them as ES modules and see no exports. A
 * package.json without a `type` next to them restores the default (CommonJS, with ES module
 * syntax detected for webhook.js). Runs after `wf build`, see package.json.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const routeDirectory = join(import.meta.dirname, '..', '.well-known', 'workflow', 'v1');
if (!existsSync(join(routeDirectory, 'flow.js'))) {
  console.error(`no wf build output in ${routeDirectory}; run \`wf build\` first`);
  process.exit(1);
}
writeFileSync(
  join(routeDirectory, 'package.json'),
  `${JSON.stringify({ description: 'Generated: wf build bundles are CommonJS.' }, null, 2)}\n`,
);
