#!/usr/bin/env node
/**
 * A second process for the same World: it opens the World on the same services (the same
 * database, Redis prefix, table and queue — BENCH_SERVICES from its parent), loads the
 * workflow bundles and starts the World's queue consumer, and then only processes deliveries:
 * it starts no runs. Forked by scale-out.mjs, which tells it over IPC when to stop.
 *
 * It reports each terminal event it writes (run_completed, …) to its parent over IPC, because
 * a run may now finish in either process and the parent must see every completion.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadWorkflowCode } from '@worldkit/core';
// Imported before the bundles load, as in worker.mjs (the runtime shares state with them).
import 'workflow/api';
import { TERMINAL_EVENTS } from './completion-tracker.mjs';
import { onEventWritten } from './event-written.mjs';
import { openListeningSocket } from './listening-socket.mjs';
import { loadWorldCatalog } from './world-catalog.mjs';

const name = process.argv[2];
const definition = (await loadWorldCatalog()).get(name);
if (!definition || !process.send) {
  console.error('usage: forked by scale-out.mjs with a World name');
  process.exit(2);
}
const services = JSON.parse(process.env.BENCH_SERVICES ?? '{}');
const dataDir = await mkdtemp(join(tmpdir(), `bench-${name}-second-`));
// Same as the first process: without a listening port the runtime scans /proc on every step.
const socket = process.env.BENCH_BARE ? undefined : await openListeningSocket();
const opened = await definition.open({ dataDir, services });
const { world } = opened;

onEventWritten(world, (runId, event) => {
  if (TERMINAL_EVENTS.has(event?.eventType)) {
    process.send({ type: 'terminal', runId, status: event.eventType });
  }
});

const code = loadWorkflowCode({
  world,
  directory: import.meta.dirname,
  deploymentId: await world.getDeploymentId(),
});
opened.afterLoad(code);
await world.start();
process.send({ type: 'ready' });

process.on('message', async (message) => {
  if (message?.type !== 'stop') return;
  const linger = definition.lingerAfterCloseMs ?? 0;
  const closed = (async () => {
    await world.close();
    await opened.close?.();
    socket?.close();
    await rm(dataDir, { recursive: true, force: true });
    // Long polls still in flight hand back what they receive before this process goes.
    await new Promise((resolve) => setTimeout(resolve, linger));
  })();
  // Bounded like worker.mjs's own close: the figures are already out.
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 15_000 + linger))]);
  process.exit(0);
});
