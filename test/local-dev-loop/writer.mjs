#!/usr/bin/env node
/**
 * A writer to kill -9: the data directory's writer (like the app), appending storage events
 * and stream chunks as fast as it can, with payloads large enough that a kill often lands in
 * the middle of a write. After each write resolves it prints `ack <kind> <id…>`, so what it
 * acknowledged is known when it dies.
 *
 *   node writer.mjs <dataDir> <payloadBytes> <maxRuns>
 */
import { SPEC_VERSION_CURRENT } from '@workflow/world';
import { createLocalStorage, createLocalStreamer } from '@worldkit/local';

const [dataDir, payloadArg, maxRunsArg] = process.argv.slice(2);
const payload = new Uint8Array(Number(payloadArg)).fill(7);
const maxRuns = Number(maxRunsArg);
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const storage = createLocalStorage({ dataDir, logger: quiet });
const streamer = createLocalStreamer({ dataDir, logger: quiet });
await storage.start();
await streamer.start();
console.log('READY');

const spec = SPEC_VERSION_CURRENT;
let runs = 0;
async function chain() {
  while (runs < maxRuns) {
    runs++;
    const created = await storage.events.create(null, {
      eventType: 'run_created',
      specVersion: spec,
      eventData: { deploymentId: 'kill-test', workflowName: 'wf', input: payload },
    });
    const runId = created.run.runId;
    console.log(`ack event ${runId} ${created.event.eventId}`);
    const started = await storage.events.create(runId, {
      eventType: 'run_started',
      specVersion: spec,
    });
    console.log(`ack event ${runId} ${started.event.eventId}`);
    await streamer.writeToStream(`strm_${runId}`, runId, payload);
    console.log(`ack chunk ${runId} strm_${runId} 0`);
  }
}
await Promise.all(Array.from({ length: 8 }, chain));
console.log('DONE');
// Stays up until killed: the test decides when the writer dies.
setInterval(() => {}, 1 << 30);
