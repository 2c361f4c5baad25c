import { describe, expect } from 'vitest';
import type { StreamerUnderTest } from '../conformance-options.js';
import type { ConformanceTest } from '../known-gaps.js';
import { newRunId, newStreamName } from '../stream-names.js';

/** `listStreamsByRunId`: the runtime's `run.getReadable()` listing depends on it. */
export function describeRunStreams(streamer: () => StreamerUnderTest, test: ConformanceTest): void {
  describe('listStreamsByRunId', () => {
    test('lists every stream a run wrote or closed, once each, and no other run’s', async () => {
      const runId = newRunId();
      const otherRunId = newRunId();
      const written = newStreamName();
      const multiWritten = newStreamName();
      const onlyClosed = newStreamName();
      const others = newStreamName();
      await streamer().writeToStream(written, runId, 'one');
      await streamer().writeToStream(written, runId, 'two');
      if (streamer().writeToStreamMulti) {
        await streamer().writeToStreamMulti?.(multiWritten, runId, ['a', 'b']);
      } else {
        await streamer().writeToStream(multiWritten, runId, 'a');
      }
      await streamer().closeStream(written, runId);
      await streamer().closeStream(onlyClosed, runId);
      await streamer().writeToStream(others, otherRunId, 'elsewhere');

      const listed = await streamer().listStreamsByRunId(runId);
      expect(
        [...listed].sort(),
        'Streamer (docs/contract.md), listStreamsByRunId: [...listed].sort()',
      ).toEqual([written, multiWritten, onlyClosed].sort());
      expect(
        await streamer().listStreamsByRunId(otherRunId),
        'Streamer (docs/contract.md), listStreamsByRunId: await streamer().listStreamsByRunId(otherRunId)',
      ).toEqual([others]);
    });

    test('returns an empty list for a run that wrote nothing', async () => {
      expect(
        await streamer().listStreamsByRunId(newRunId()),
        'Streamer (docs/contract.md), listStreamsByRunId: await streamer().listStreamsByRunId(newRunId())',
      ).toEqual([]);
    });
  });
}
