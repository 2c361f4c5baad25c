import { defineWorld } from '@worldkit/core';
import { local } from '@worldkit/local';

/**
 * The embedded default World: storage, queue, streamer and version store all from
 * `@worldkit/local`, persisted under `.worldkit-data` in the working directory (or wherever
 * `WORLDKIT_LOCAL_DATA_DIR` says), so a run that is sleeping or waiting on a hook survives a
 * restart of this process. Swap any slot for another provider without touching the workflows.
 */
export default defineWorld({
  ...local(),
});
