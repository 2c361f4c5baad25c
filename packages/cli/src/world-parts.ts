import type { ComposedWorld, Slot } from '@worldkit/core';

/** One slot of a composed World: its instance and the provider that made it. */
export interface WorldPart {
  slot: Slot;
  instance: object;
  provider: {
    name: string;
    packageName: string;
    specificationVersion: string;
    /** Each slot's named capabilities, plus any more a provider declares. */
    capabilities: object;
  };
}

/** The World's parts in the order they are set up: data first, the queue that uses it last. */
export function worldParts(world: ComposedWorld): WorldPart[] {
  const { storage, versions, streamer, queue, compute, providers } = world.worldkit;
  return [
    { slot: 'storage', instance: storage, provider: providers.storage },
    { slot: 'versions', instance: versions, provider: providers.versions },
    { slot: 'streamer', instance: streamer, provider: providers.streamer },
    { slot: 'queue', instance: queue, provider: providers.queue },
    { slot: 'compute', instance: compute, provider: providers.compute },
  ];
}

/** `a=1, b=true, maxDelaySeconds=unbounded`: capabilities on one table cell. */
export function describeCapabilities(capabilities: object): string {
  return Object.entries(capabilities)
    .map(([name, value]) => `${name}=${value === null ? 'unbounded' : String(value)}`)
    .join(', ');
}
