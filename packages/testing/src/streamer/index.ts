import { describe } from 'vitest';
import type { StreamerConformanceOptions } from './conformance-options.js';
import { describeChunkPages } from './groups/chunk-pages.js';
import { describeLiveTailing } from './groups/live-tailing.js';
import { describeRunStreams } from './groups/run-streams.js';
import { describeStartIndex } from './groups/start-index.js';
import { describeWriteAndRead } from './groups/write-and-read.js';
import { conformanceTest } from './known-gaps.js';
import { useFreshStreamer } from './streamer-fixture.js';

export type {
  StreamerConformanceCapabilities,
  StreamerConformanceOptions,
  StreamerUnderTest,
} from './conformance-options.js';
export type { KnownGaps } from './known-gaps.js';

/**
 * The `Streamer` contract of `@workflow/world` 4.5 as the runtime uses it: ordered chunk writes
 * (single and batched), close, replay from an index (negative = from the end), live tailing,
 * chunk pages with `done`, stream metadata and per-run listing. Call it inside a test file:
 *
 * ```ts
 * describeStreamerConformance({ name: 'redis', createStreamer: () => createRedisStreamer(url) });
 * ```
 */
export function describeStreamerConformance(options: StreamerConformanceOptions): void {
  const liveTailing = options.capabilities?.liveTailing ?? true;
  describe(`streamer conformance: ${options.name}`, {
    timeout: options.timeoutMs ?? 30_000,
  }, () => {
    const streamer = useFreshStreamer(options.createStreamer);
    const test = conformanceTest(options.knownGaps);
    describeWriteAndRead(streamer, test);
    describeStartIndex(streamer, test);
    describeChunkPages(streamer, test);
    describeRunStreams(streamer, test);
    if (liveTailing) describe('live tailing', () => describeLiveTailing(streamer, test));
    else {
      describe.skip('live tailing (skipped: capability liveTailing=false — readers only see chunks written before they opened)', () =>
        describeLiveTailing(streamer, test));
    }
  });
}
