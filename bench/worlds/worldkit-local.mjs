import { createWorld, defineWorld } from '@worldkit/core';
import { local } from '@worldkit/local';

/**
 * Worldkit's embedded default World: every slot filled by `@worldkit/local`, delivery by
 * the default in-process compute (the bundle's handler is called directly, no Request).
 * `dataDir` makes storage durable (fair against world-local, which writes files);
 * without it everything is kept in memory.
 */
export function openWorldkitLocal({ dataDir }) {
  const world = createWorld(defineWorld(local(dataDir ? { dataDir } : { memory: true })));
  return {
    world,
    description: dataDir
      ? `@worldkit/local, data dir ${dataDir}, in-process compute`
      : '@worldkit/local, memory, in-process compute',
    afterLoad() {},
  };
}
