#!/usr/bin/env node
/**
 * A reader to kill -9: follows a data directory the way `workflow web` does (lists runs, reads
 * events and stream chunks) in a loop, printing `read <runs>` after each pass, then exits. It
 * holds no lock and writes nothing, so killing it must leave nothing behind.
 *
 *   node reader.mjs <dataDir> <passes>
 */
import { createLocalStorage, createLocalStreamer } from '@worldkit/local';

const [dataDir, passesArg] = process.argv.slice(2);
const storage = createLocalStorage({ dataDir });
const streamer = createLocalStreamer({ dataDir });
for (let pass = 0; pass < Number(passesArg); pass++) {
  const page = await storage.runs.list({ resolveData: 'none', pagination: { limit: 50 } });
  for (const run of page.data.slice(0, 5)) {
    await storage.events.list({ runId: run.runId, resolveData: 'all' });
    await streamer.getStreamChunks(`strm_${run.runId}`, run.runId, { limit: 10 });
  }
  console.log(`read ${page.data.length}`);
}
console.log('DONE');
await storage.close();
await streamer.close();
