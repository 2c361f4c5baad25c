import { describe, expect } from 'vitest';
import type { StreamerUnderTest } from '../conformance-options.js';
import type { ConformanceTest } from '../known-gaps.js';
import { newRunId, newStreamName } from '../stream-names.js';
import { readText } from '../stream-reading.js';

/** `readFromStream(name, startIndex)` on a closed stream of chunks "0".."4". */
export function describeStartIndex(streamer: () => StreamerUnderTest, test: ConformanceTest): void {
  describe('readFromStream startIndex', () => {
    const closedStreamOfFive = async () => {
      const name = newStreamName();
      const runId = newRunId();
      for (let at = 0; at < 5; at++) await streamer().writeToStream(name, runId, String(at));
      await streamer().closeStream(name, runId);
      return name;
    };

    test('reads everything from the default start and from 0', async () => {
      const name = await closedStreamOfFive();
      expect(
        await readText(streamer(), name),
        'Streamer (docs/contract.md), readFromStream from a start index: await readText(streamer(), name)',
      ).toBe('01234');
      expect(
        await readText(streamer(), name, 0),
        'Streamer (docs/contract.md), readFromStream from a start index: await readText(streamer(), name, 0)',
      ).toBe('01234');
    });

    test('skips that many chunks for a positive index', async () => {
      const name = await closedStreamOfFive();
      expect(
        await readText(streamer(), name, 2),
        'Streamer (docs/contract.md), readFromStream from a start index: await readText(streamer(), name, 2)',
      ).toBe('234');
      expect(
        await readText(streamer(), name, 4),
        'Streamer (docs/contract.md), readFromStream from a start index: await readText(streamer(), name, 4)',
      ).toBe('4');
    });

    test('ends with nothing when the index is at or past the end of a closed stream', async () => {
      const name = await closedStreamOfFive();
      expect(
        await readText(streamer(), name, 5),
        'Streamer (docs/contract.md), readFromStream from a start index: await readText(streamer(), name, 5)',
      ).toBe('');
      expect(
        await readText(streamer(), name, 50),
        'Streamer (docs/contract.md), readFromStream from a start index: await readText(streamer(), name, 50)',
      ).toBe('');
    });

    test('counts a negative index back from the end', async () => {
      const name = await closedStreamOfFive();
      expect(
        await readText(streamer(), name, -2),
        'Streamer (docs/contract.md), readFromStream from a start index: await readText(streamer(), name, -2)',
      ).toBe('34');
      expect(
        await readText(streamer(), name, -5),
        'Streamer (docs/contract.md), readFromStream from a start index: await readText(streamer(), name, -5)',
      ).toBe('01234');
    });

    test('clamps a negative index reaching before the start to 0', async () => {
      const name = await closedStreamOfFive();
      expect(
        await readText(streamer(), name, -50),
        'Streamer (docs/contract.md), readFromStream from a start index: await readText(streamer(), name, -50)',
      ).toBe('01234');
    });
  });
}
