// Long-running dispatcher (ECS, EC2, Fly, a VM): long-polls SQS and delivers each message, signed,
// to the Next.js deployment of its run's version. It loads no workflow code; addresses come from
// the version store. Run it where world.config.ts is (or point WORLDKIT_CONFIG at it), with the
// same environment variables as the app: `node dispatcher/worker.mjs`.
import { createWorld } from '@worldkit/core';
import { findConfigFile, loadWorldConfig } from '@worldkit/core/target-world';

const world = createWorld(loadWorldConfig(findConfigFile()));
await world.start();
console.log(
  `dispatcher: consuming ${world.worldkit.providers.queue.name}, delivering over ${world.worldkit.providers.compute.name} (version store: ${world.worldkit.providers.versions.name})`,
);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, async () => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log(`dispatcher: ${signal}, finishing in-flight deliveries`);
    await world.close();
    process.exit(0);
  });
}
