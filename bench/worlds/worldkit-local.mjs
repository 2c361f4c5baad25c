/**
 * Worldkit's embedded default World: every slot filled by `@worldkit/local`, delivery by the
 * default in-process compute (the bundle's handler is called directly, no Request).
 * `worldkit-file` keeps durable files in the run's data dir (fair against world-local, which
 * writes files); `worldkit-memory` keeps everything in memory.
 */
import { directoryBytes } from '../storage-size.mjs';

async function openWorldkitLocal({ dataDir }) {
  const { createWorld, defineWorld } = await import('@worldkit/core');
  const { local } = await import('@worldkit/local');
  const world = createWorld(defineWorld(local(dataDir ? { dataDir } : { memory: true })));
  return {
    world,
    description: dataDir
      ? `@worldkit/local, data dir ${dataDir}, in-process compute`
      : '@worldkit/local, memory, in-process compute',
    afterLoad() {},
    // Memory only: nothing on disk to measure (bytes stored/step is "n/a").
    storageBytes: dataDir ? () => directoryBytes(dataDir) : undefined,
  };
}

export const benchWorlds = [
  {
    name: 'worldkit-file',
    needs: [],
    open: ({ dataDir }) => openWorldkitLocal({ dataDir }),
  },
  {
    name: 'worldkit-memory',
    needs: [],
    open: () => openWorldkitLocal({}),
  },
];
