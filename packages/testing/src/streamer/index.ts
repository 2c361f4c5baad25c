import { describe } from 'vitest';
import { registerGroups, skipUnlessCapable, test } from '../conformance.js';
import { streamerFromDeprecated } from '../deprecated-options.js';
import type { StreamerConformanceOptions } from './conformance-options.js';
import { describeChunkPages } from './groups/chunk-pages.js';
import { describeLiveTailing } from './groups/live-tailing.js';
import { describeRunStreams } from './groups/run-streams.js';
import { describeStartIndex } from './groups/start-index.js';
import { describeWriteAndRead } from './groups/write-and-read.js';
import { useFreshStreamer } from './streamer-fixture.js';

export type {
  StreamerConformanceCapabilities,
  StreamerConformanceOptions,
  StreamerUnderTest,
} from './conformance-options.js';

/**
 * The `Streamer` contract of `@workflow/world` 4.5 as the runtime uses it: ordered chunk writes
 * (single and batched), close, replay from an index (negative = from the end), live tailing,
 * chunk pages with `done`, stream metadata and per-run listing. Call it inside a test file:
 *
 * ```ts
 * describeStreamerConformance({ name: 'redis', create: () => redisStreamer({ url }) });
 * ```
 */
export function describeStreamerConformance(options: StreamerConformanceOptions): void {
  describe(`streamer conformance: ${options.name}`, {
    timeout: options.timeoutMs ?? 30_000,
  }, () => {
    const { streamer, capabilities } = useFreshStreamer(
      'create' in options ? options.create : streamerFromDeprecated(options),
    );
    registerGroups(options.knownGaps, () => {
      describeWriteAndRead(streamer, test);
      describeStartIndex(streamer, test);
      describeChunkPages(streamer, test);
      describeRunStreams(streamer, test);
      describe('live tailing (needs liveTailing)', () => {
        skipUnlessCapable(
          'liveTailing',
          () => capabilities().liveTailing !== false,
          'readers only see chunks written before they opened',
        );
        describeLiveTailing(streamer, test);
      });
    });
  });
}
