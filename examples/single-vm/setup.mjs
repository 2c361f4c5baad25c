#!/usr/bin/env node
/**
 * Prepares the databases before the first start and before every deploy: applies the
 * PostgreSQL migrations (idempotent, under an advisory lock, so running it twice or from two
 * machines at once is safe) and checks that Redis answers. Exits 0 when both are ready.
 *
 *   WORLDKIT_POSTGRES_URL=… WORLDKIT_REDIS_URL=… node setup.mjs
 */
import { composeWorld, describeError, logLifecycle } from './load-world.mjs';

/** The Redis client retries forever (what a long-running worker wants); setup should not. */
const STEP_DEADLINE_MS = 15_000;

let world;
try {
  world = composeWorld();
  const { storage, streamer, providers, deploymentId } = world.worldkit;
  logLifecycle('setup', 'migrating', { storage: providers.storage.packageName });
  await withDeadline(storage.setup?.(), 'PostgreSQL migrations');
  // Redis has no schema; a stream lookup is a cheap round trip that proves the URL works.
  await withDeadline(streamer.listStreamsByRunId('wrun_setup_check'), 'Redis round trip');
  logLifecycle('setup', 'done', { deployment: deploymentId });
  await world.close();
  process.exit(0);
} catch (error) {
  logLifecycle('setup', 'failed', { error: JSON.stringify(describeError(error)) });
  // Connections that never opened can make close() wait too: do not let that hang setup.
  await withDeadline(world?.close(), 'close').catch(() => {});
  process.exit(1);
}

function withDeadline(promise, what) {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not finish within ${STEP_DEADLINE_MS / 1000}s`)),
      STEP_DEADLINE_MS,
    );
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
