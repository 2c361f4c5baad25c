import { afterEach, beforeEach } from 'vitest';
import type { StreamerConformanceOptions, StreamerUnderTest } from './conformance-options.js';

/**
 * Gives every test its own streamer from the provider's factory and closes it afterwards, even
 * when the test failed. Returns an accessor because the streamer only exists while a test runs.
 */
export function useFreshStreamer(
  createStreamer: StreamerConformanceOptions['createStreamer'],
): () => StreamerUnderTest {
  let current: StreamerUnderTest | undefined;

  beforeEach(async () => {
    current = await createStreamer();
    await current.start?.();
  });

  afterEach(async () => {
    const streamer = current;
    current = undefined;
    await streamer?.close?.();
  });

  return () => {
    if (!current) throw new Error('the conformance streamer is only available inside a test');
    return current;
  };
}
