import type { StreamerCapabilities, StreamerProvider } from '@worldkit/core';
import { afterEach, beforeEach } from 'vitest';
import { testProviderContext } from '../provider-context.js';
import type { StreamerUnderTest } from './conformance-options.js';

export interface FreshStreamer {
  /** The streamer of the running test. */
  streamer: () => StreamerUnderTest;
  /** What the provider of the running test declares. */
  capabilities: () => StreamerCapabilities;
}

/**
 * Gives every test its own streamer from the provider `create` returns, started, and closes it
 * afterwards, even when the test failed. Accessors, because the streamer only exists while a
 * test runs.
 */
export function useFreshStreamer(
  create: () => StreamerProvider | Promise<StreamerProvider>,
): FreshStreamer {
  let current: { streamer: StreamerUnderTest; capabilities: StreamerCapabilities } | undefined;

  beforeEach(async () => {
    const provider = await create();
    const streamer = provider.create(testProviderContext({ deploymentId: 'streamer-conformance' }));
    await streamer.start?.();
    current = { streamer, capabilities: provider.capabilities };
  });

  afterEach(async () => {
    const streamer = current?.streamer;
    current = undefined;
    await streamer?.close?.();
  });

  const running = () => {
    if (!current) throw new Error('the conformance streamer is only available inside a test');
    return current;
  };
  return { streamer: () => running().streamer, capabilities: () => running().capabilities };
}
