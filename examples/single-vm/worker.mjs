#!/usr/bin/env node
/**
 * The worker: consumes the queue and runs workflow and step code. Run one per VM core, or
 * one in total, under systemd or PM2; it is safe to run several (BullMQ hands each message to
 * one of them, and PostgreSQL serializes writes to a run).
 *
 * Stops cleanly on SIGTERM / SIGINT: stops taking messages, lets deliveries in flight finish
 * (BullMQ waits up to its closeTimeoutMs), closes connections, exits 0. A message whose
 * handler was cut short by a hard kill is handed out again later, so nothing is lost.
 *
 * Env: WORLDKIT_POSTGRES_URL, WORLDKIT_REDIS_URL (required), WORLDKIT_DEPLOYMENT_ID,
 * WORKER_HEALTH_PORT (default 3001; 0 picks a free port), WORKER_HOST (default 127.0.0.1).
 */
import { createServer } from 'node:http';
import { describeError, loadWorld, logLifecycle } from './load-world.mjs';

const PROCESS_NAME = 'worker';

logLifecycle(PROCESS_NAME, 'starting', { pid: process.pid });
let loaded;
try {
  loaded = loadWorld();
} catch (error) {
  logLifecycle(PROCESS_NAME, 'failed', { error: JSON.stringify(describeError(error)) });
  process.exit(1);
}
const { world, code } = loaded;

// A health endpoint for the process manager or a load balancer's probe. It also gives the
// process a listening port: the workflow runtime looks one up before every replay and
// caches it only once found, so a worker listening on nothing pays a /proc scan each time.
let healthy = false;
const health = createServer((request, response) => {
  const ok = request.url === '/healthz' && healthy;
  response.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok' : 'not ready');
});

let stopping;
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    if (stopping) {
      // A second signal means "now": the queue redelivers whatever was in flight.
      logLifecycle(PROCESS_NAME, 'forced-exit', { signal });
      process.exit(1);
    }
    stopping = stop(signal);
  });
}

try {
  const port = await listen(health, Number(process.env.WORKER_HEALTH_PORT ?? 3001));
  await world.start();
  healthy = true;
  const { providers } = world.worldkit;
  logLifecycle(PROCESS_NAME, 'ready', {
    deployment: code.deploymentId,
    workflows: Object.values(code.manifest.workflows ?? {})
      .flatMap(Object.keys)
      .join(','),
    storage: providers.storage.name,
    queue: providers.queue.name,
    streamer: providers.streamer.name,
    health: `http://${process.env.WORKER_HOST ?? '127.0.0.1'}:${port}/healthz`,
  });
} catch (error) {
  logLifecycle(PROCESS_NAME, 'failed', { error: JSON.stringify(describeError(error)) });
  await world.close().catch(() => {});
  process.exit(1);
}

async function stop(signal) {
  healthy = false;
  logLifecycle(PROCESS_NAME, 'stopping', { signal });
  const began = performance.now();
  try {
    await world.close();
    health.close();
    logLifecycle(PROCESS_NAME, 'stopped', {
      signal,
      ms: Math.round(performance.now() - began),
    });
    process.exit(0);
  } catch (error) {
    logLifecycle(PROCESS_NAME, 'failed', { error: JSON.stringify(describeError(error)) });
    process.exit(1);
  }
}

function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, process.env.WORKER_HOST ?? '127.0.0.1', () =>
      resolve(server.address().port),
    );
  });
}
