import { describe, expect } from 'vitest';
import type { StreamerUnderTest } from '../conformance-options.js';
import type { ConformanceTest } from '../known-gaps.js';
import { newRunId, newStreamName } from '../stream-names.js';
import { decode, encode, joinBytes, readText, readToEnd } from '../stream-reading.js';

/** Every byte value, so encodings that stop at NUL or mangle high bytes are caught. */
const allByteValues = () => Uint8Array.from({ length: 256 }, (_, value) => value);

export function describeWriteAndRead(
  streamer: () => StreamerUnderTest,
  test: ConformanceTest,
): void {
  describe('writing and reading back', () => {
    test('replays string chunks in write order and ends after closeStream', async () => {
      const name = newStreamName();
      const runId = newRunId();
      for (const part of ['alpha ', 'beta ', 'gamma']) {
        await streamer().writeToStream(name, runId, part);
      }
      await streamer().closeStream(name, runId);
      expect(
        await readText(streamer(), name),
        'Streamer (docs/contract.md), chunks are bytes and keep their order: await readText(streamer(), name)',
      ).toBe('alpha beta gamma');
    });

    test('encodes strings as UTF-8, including multi-byte characters', async () => {
      const name = newStreamName();
      const runId = newRunId();
      await streamer().writeToStream(name, runId, 'héllo wörld ');
      await streamer().writeToStream(name, runId, '🌍 ✓ 日本');
      await streamer().closeStream(name, runId);
      const bytes = joinBytes(await readToEnd(await streamer().readFromStream(name)));
      expect(
        bytes,
        'Streamer (docs/contract.md), chunks are bytes and keep their order: bytes',
      ).toEqual(encode('héllo wörld 🌍 ✓ 日本'));
    });

    test('keeps binary chunks byte-exact, null bytes and every byte value included', async () => {
      const name = newStreamName();
      const runId = newRunId();
      const chunks = [Uint8Array.from([0, 0, 0]), allByteValues(), Uint8Array.from([255, 0, 1, 0])];
      for (const chunk of chunks) await streamer().writeToStream(name, runId, chunk);
      await streamer().closeStream(name, runId);
      const read = joinBytes(await readToEnd(await streamer().readFromStream(name)));
      expect(
        Array.from(read),
        'Streamer (docs/contract.md), chunks are bytes and keep their order: Array.from(read)',
      ).toEqual(Array.from(joinBytes(chunks)));
    });

    test('stores a large chunk (256 KiB) intact', async () => {
      const name = newStreamName();
      const runId = newRunId();
      const large = Uint8Array.from({ length: 256 * 1024 }, (_, at) => (at * 31 + 7) % 256);
      await streamer().writeToStream(name, runId, large);
      await streamer().closeStream(name, runId);
      const read = joinBytes(await readToEnd(await streamer().readFromStream(name)));
      expect(
        read.byteLength,
        'Streamer (docs/contract.md), chunks are bytes and keep their order: read.byteLength',
      ).toBe(large.byteLength);
      expect(
        Buffer.from(read).equals(Buffer.from(large)),
        'Streamer (docs/contract.md): chunks are bytes; the large chunk read back must equal the one written, byte for byte',
      ).toBe(true);
    });

    test('is not affected by the writer reusing its buffer after the write', async () => {
      const name = newStreamName();
      const runId = newRunId();
      const buffer = encode('first');
      await streamer().writeToStream(name, runId, buffer);
      buffer.fill(0);
      await streamer().closeStream(name, runId);
      expect(
        await readText(streamer(), name),
        'Streamer (docs/contract.md), chunks are bytes and keep their order: await readText(streamer(), name)',
      ).toBe('first');
    });

    test('keeps the order of writes issued back to back without awaiting each one', async () => {
      const name = newStreamName();
      const runId = newRunId();
      const parts = Array.from({ length: 20 }, (_, at) => `<${at}>`);
      await Promise.all(parts.map((part) => streamer().writeToStream(name, runId, part)));
      await streamer().closeStream(name, runId);
      expect(
        await readText(streamer(), name),
        'Streamer (docs/contract.md), chunks are bytes and keep their order: await readText(streamer(), name)',
      ).toBe(parts.join(''));
    });

    test('keeps streams apart: chunks land only in the stream they were written to', async () => {
      const runId = newRunId();
      const left = newStreamName();
      const right = newStreamName();
      await streamer().writeToStream(left, runId, 'L1');
      await streamer().writeToStream(right, runId, 'R1');
      await streamer().writeToStream(left, runId, 'L2');
      await streamer().closeStream(left, runId);
      await streamer().closeStream(right, runId);
      expect(
        await readText(streamer(), left),
        'Streamer (docs/contract.md), chunks are bytes and keep their order: await readText(streamer(), left)',
      ).toBe('L1L2');
      expect(
        await readText(streamer(), right),
        'Streamer (docs/contract.md), chunks are bytes and keep their order: await readText(streamer(), right)',
      ).toBe('R1');
    });

    test('closes a stream that never had a chunk: readers end with nothing', async () => {
      const name = newStreamName();
      await streamer().closeStream(name, newRunId());
      expect(
        await readToEnd(await streamer().readFromStream(name)),
        'Streamer (docs/contract.md), chunks are bytes and keep their order: await readToEnd(await streamer().readFromStream(name))',
      ).toEqual([]);
      expect(
        await streamer().getStreamInfo(name, newRunId()),
        'Streamer (docs/contract.md), chunks are bytes and keep their order: await streamer().getStreamInfo(name, newRunId())',
      ).toEqual({
        tailIndex: -1,
        done: true,
      });
    });

    test('never delivers chunks written after the close (the write may be refused or dropped)', async () => {
      const name = newStreamName();
      const runId = newRunId();
      await streamer().writeToStream(name, runId, 'kept');
      await streamer().closeStream(name, runId);
      await streamer()
        .writeToStream(name, runId, 'late')
        .catch(() => undefined);
      expect(
        await readText(streamer(), name),
        'Streamer (docs/contract.md), chunks are bytes and keep their order: await readText(streamer(), name)',
      ).toBe('kept');
      const page = await streamer().getStreamChunks(name, runId);
      expect(
        page.data.map((chunk) => decode(chunk.data)),
        'Streamer (docs/contract.md), chunks are bytes and keep their order: page.data.map((chunk) => decode(chunk.data))',
      ).toEqual(['kept']);
      expect(
        page.done,
        'Streamer (docs/contract.md), chunks are bytes and keep their order: page.done',
      ).toBe(true);
      expect(
        await streamer().getStreamInfo(name, runId),
        'Streamer (docs/contract.md), chunks are bytes and keep their order: await streamer().getStreamInfo(name, runId)',
      ).toEqual({ tailIndex: 0, done: true });
    });
  });

  describe('writeToStreamMulti', () => {
    test('appends the chunks in order after earlier writes, as separate indexed chunks', async (context) => {
      if (!streamer().writeToStreamMulti) {
        context.skip('streamer has no writeToStreamMulti (optional; the runtime falls back)');
      }
      const name = newStreamName();
      const runId = newRunId();
      await streamer().writeToStream(name, runId, 'a');
      await streamer().writeToStreamMulti?.(name, runId, [
        'b',
        encode('c'),
        Uint8Array.from([0, 100]),
      ]);
      await streamer().writeToStream(name, runId, 'e');
      await streamer().closeStream(name, runId);
      const page = await streamer().getStreamChunks(name, runId);
      expect(
        page.data.map((chunk) => chunk.index),
        'Streamer (docs/contract.md), chunks are bytes and keep their order: page.data.map((chunk) => chunk.index)',
      ).toEqual([0, 1, 2, 3, 4]);
      expect(
        page.data.map((chunk) => Array.from(chunk.data)),
        'Streamer (docs/contract.md), chunks are bytes and keep their order: page.data.map((chunk) => Array.from(chunk.data))',
      ).toEqual([
        Array.from(encode('a')),
        Array.from(encode('b')),
        Array.from(encode('c')),
        [0, 100],
        Array.from(encode('e')),
      ]);
      expect(
        await streamer().getStreamInfo(name, runId),
        'Streamer (docs/contract.md), chunks are bytes and keep their order: await streamer().getStreamInfo(name, runId)',
      ).toEqual({ tailIndex: 4, done: true });
    });

    test('accepts an empty batch without adding chunks', async (context) => {
      if (!streamer().writeToStreamMulti) {
        context.skip('streamer has no writeToStreamMulti (optional; the runtime falls back)');
      }
      const name = newStreamName();
      const runId = newRunId();
      await streamer().writeToStreamMulti?.(name, runId, []);
      await streamer().writeToStream(name, runId, 'only');
      expect(
        await streamer().getStreamInfo(name, runId),
        'Streamer (docs/contract.md), chunks are bytes and keep their order: await streamer().getStreamInfo(name, runId)',
      ).toEqual({ tailIndex: 0, done: false });
    });
  });
}
