import { describe, expect } from 'vitest';
import type { StreamerUnderTest } from '../conformance-options.js';
import type { ConformanceTest } from '../known-gaps.js';
import { newRunId, newStreamName } from '../stream-names.js';
import { allChunkPages, decode, writeAll } from '../stream-reading.js';

/** `getStreamChunks` snapshots and `getStreamInfo` metadata. */
export function describeChunkPages(streamer: () => StreamerUnderTest, test: ConformanceTest): void {
  describe('getStreamChunks', () => {
    test('pages through chunks with 0-based indexes, a cursor and hasMore', async () => {
      const name = newStreamName();
      const runId = newRunId();
      await writeAll(streamer(), name, runId, ['c0', 'c1', 'c2', 'c3', 'c4']);
      const pages = await allChunkPages(streamer(), name, runId, 2);
      expect(
        pages.map((page) => page.data.map((chunk) => chunk.index)),
        'Streamer (docs/contract.md), getStreamChunks pages: pages.map((page) => page.data.map((chunk) => chunk.index))',
      ).toEqual([[0, 1], [2, 3], [4]]);
      expect(
        pages.map((page) => page.hasMore),
        'Streamer (docs/contract.md), getStreamChunks pages: pages.map((page) => page.hasMore)',
      ).toEqual([true, true, false]);
      expect(
        pages[2].cursor,
        'Streamer (docs/contract.md), getStreamChunks pages: pages[2].cursor',
      ).toBeNull();
      expect(
        pages.flatMap((page) => page.data.map((chunk) => decode(chunk.data))),
        'Streamer (docs/contract.md), getStreamChunks pages: pages.flatMap((page) => page.data.map((chunk) => decode(chunk.data)))',
      ).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
      for (const chunk of pages.flatMap((page) => page.data)) {
        expect(
          chunk.data,
          'Streamer (docs/contract.md), getStreamChunks pages: chunk.data',
        ).toBeInstanceOf(Uint8Array);
      }
    });

    test('reports done=false while the stream is open and done=true on the last page once closed', async () => {
      const name = newStreamName();
      const runId = newRunId();
      await writeAll(streamer(), name, runId, ['a', 'b', 'c']);
      const open = await streamer().getStreamChunks(name, runId);
      expect(open, 'Streamer (docs/contract.md), getStreamChunks pages: open').toMatchObject({
        hasMore: false,
        cursor: null,
        done: false,
      });
      expect(
        open.data,
        'Streamer (docs/contract.md), getStreamChunks pages: open.data',
      ).toHaveLength(3);

      await streamer().closeStream(name, runId);
      const pages = await allChunkPages(streamer(), name, runId, 2);
      expect(
        pages.at(-1)?.done,
        'Streamer (docs/contract.md), getStreamChunks pages: pages.at(-1)?.done',
      ).toBe(true);
      expect(
        pages.at(-1)?.hasMore,
        'Streamer (docs/contract.md), getStreamChunks pages: pages.at(-1)?.hasMore',
      ).toBe(false);
      expect(
        pages.flatMap((page) => page.data),
        'Streamer (docs/contract.md), getStreamChunks pages: pages.flatMap((page) => page.data)',
      ).toHaveLength(3);
    });

    test('picks up chunks written after an earlier page was read', async () => {
      const name = newStreamName();
      const runId = newRunId();
      await writeAll(streamer(), name, runId, ['a', 'b']);
      const first = await streamer().getStreamChunks(name, runId, { limit: 2 });
      expect(
        first.data.map((chunk) => decode(chunk.data)),
        'Streamer (docs/contract.md), getStreamChunks pages: first.data.map((chunk) => decode(chunk.data))',
      ).toEqual(['a', 'b']);
      await writeAll(streamer(), name, runId, ['c']);
      const all = await streamer().getStreamChunks(name, runId);
      expect(
        all.data.map((chunk) => chunk.index),
        'Streamer (docs/contract.md), getStreamChunks pages: all.data.map((chunk) => chunk.index)',
      ).toEqual([0, 1, 2]);
    });

    test('returns binary chunk data byte-exact, chunk by chunk', async () => {
      const name = newStreamName();
      const runId = newRunId();
      const chunks = [
        Uint8Array.from([0]),
        Uint8Array.from([1, 0, 2]),
        Uint8Array.from([0, 0, 255]),
      ];
      await writeAll(streamer(), name, runId, chunks);
      const page = await streamer().getStreamChunks(name, runId);
      expect(
        page.data.map((chunk) => Array.from(chunk.data)),
        'Streamer (docs/contract.md), getStreamChunks pages: page.data.map((chunk) => Array.from(chunk.data))',
      ).toEqual(chunks.map((c) => Array.from(c)));
    });

    test('defaults to pages of 100 and caps the limit at 1000', async () => {
      const name = newStreamName();
      const runId = newRunId();
      await writeAll(
        streamer(),
        name,
        runId,
        Array.from({ length: 1005 }, (_, at) => `${at}`),
      );
      const byDefault = await streamer().getStreamChunks(name, runId);
      expect(
        byDefault.data,
        'Streamer (docs/contract.md), getStreamChunks pages: byDefault.data',
      ).toHaveLength(100);
      expect(
        byDefault.hasMore,
        'Streamer (docs/contract.md), getStreamChunks pages: byDefault.hasMore',
      ).toBe(true);
      const capped = await streamer().getStreamChunks(name, runId, { limit: 5000 });
      expect(
        capped.data,
        'Streamer (docs/contract.md), getStreamChunks pages: capped.data',
      ).toHaveLength(1000);
      expect(
        capped.data.at(-1)?.index,
        'Streamer (docs/contract.md), getStreamChunks pages: capped.data.at(-1)?.index',
      ).toBe(999);
      expect(
        capped.hasMore,
        'Streamer (docs/contract.md), getStreamChunks pages: capped.hasMore',
      ).toBe(true);
      const rest = await streamer().getStreamChunks(name, runId, {
        limit: 1000,
        cursor: capped.cursor ?? undefined,
      });
      expect(
        rest.data.map((chunk) => decode(chunk.data)),
        'Streamer (docs/contract.md), getStreamChunks pages: rest.data.map((chunk) => decode(chunk.data))',
      ).toEqual(['1000', '1001', '1002', '1003', '1004']);
      expect(rest.hasMore, 'Streamer (docs/contract.md), getStreamChunks pages: rest.hasMore').toBe(
        false,
      );
    });

    test('returns an empty, not-done page for a stream nobody wrote', async () => {
      const page = await streamer().getStreamChunks(newStreamName(), newRunId());
      expect(page, 'Streamer (docs/contract.md), getStreamChunks pages: page').toEqual({
        data: [],
        cursor: null,
        hasMore: false,
        done: false,
      });
    });
  });

  describe('getStreamInfo', () => {
    test('reports tailIndex -1 and not done for a stream nobody wrote', async () => {
      expect(
        await streamer().getStreamInfo(newStreamName(), newRunId()),
        'Streamer (docs/contract.md), getStreamChunks pages: await streamer().getStreamInfo(newStreamName(), newRunId())',
      ).toEqual({
        tailIndex: -1,
        done: false,
      });
    });

    test('tracks the last chunk index and the close', async () => {
      const name = newStreamName();
      const runId = newRunId();
      await streamer().writeToStream(name, runId, 'x');
      expect(
        await streamer().getStreamInfo(name, runId),
        'Streamer (docs/contract.md), getStreamChunks pages: await streamer().getStreamInfo(name, runId)',
      ).toEqual({ tailIndex: 0, done: false });
      await writeAll(streamer(), name, runId, ['y', 'z']);
      expect(
        await streamer().getStreamInfo(name, runId),
        'Streamer (docs/contract.md), getStreamChunks pages: await streamer().getStreamInfo(name, runId)',
      ).toEqual({ tailIndex: 2, done: false });
      await streamer().closeStream(name, runId);
      expect(
        await streamer().getStreamInfo(name, runId),
        'Streamer (docs/contract.md), getStreamChunks pages: await streamer().getStreamInfo(name, runId)',
      ).toEqual({ tailIndex: 2, done: true });
    });
  });
}
