// One worker process of a durable composition (see compositions.mjs): consumes the queue and
// executes workflows until it is killed (SIGKILL in the tests) or asked to stop (SIGTERM).
// Prints READY once it consumes. usage: node worker.mjs <bundlesDir>
import { createWorld, loadWorkflowCode } from '@worldkit/core';
import { compositionParts } from './compositions.mjs';

const [bundlesDir] = process.argv.slice(2);
// Errors go to stderr, where the test shows them if a scenario fails; the rest is noise.
const logger = {
  debug() {},
  info() {},
  warn: (message, details) => console.error(`warn: ${message} ${JSON.stringify(details ?? {})}`),
  error: (message, details) => console.error(`error: ${message} ${JSON.stringify(details ?? {})}`),
};
const world = createWorld({
  ...(await compositionParts()),
  deploymentId: process.env.REL_DEPLOYMENT_ID ?? 'reliability',
  logger,
});
loadWorkflowCode({ world, directory: bundlesDir });
await world.start();
console.log('READY');
process.on('SIGTERM', () => {
  world.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
setInterval(() => {}, 60_000); // keep consuming until stopped
