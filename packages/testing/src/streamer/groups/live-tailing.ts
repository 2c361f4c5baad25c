import { expect } from 'vitest';
import type { StreamerUnderTest } from '../conformance-options.js';
import type { ConformanceTest } from '../known-gaps.js';
import { newRunId, newStreamName } from '../stream-names.js';
import {
  decode,
  joinBytes,
  readText,
  readToEnd,
  readUntilText,
  stillWaiting,
  within,
} from '../stream-reading.js';

/** Readers opened before (or while) a stream is written keep receiving until it closes. */
export function describeLiveTailing(
  streamer: () => StreamerUnderTest,
  test: ConformanceTest,
): void {
  test('a reader opened before the first write receives later chunks and ends on close', async () => {
    const name = newStreamName();
    const runId = newRunId();
    const reader = (await streamer().readFromStream(name)).getReader();
    const firstRead = reader.read();
    expect(
      await stillWaiting(firstRead),
      'Streamer (docs/contract.md), liveTailing: an open reader receives later chunks: await stillWaiting(firstRead)',
    ).toBe('waiting');
    await streamer().writeToStream(name, runId, 'one');
    const first = await within(firstRead, 'the first live chunk');
    expect(
      first.done ? null : decode(first.value),
      'Streamer (docs/contract.md), liveTailing: an open reader receives later chunks: first.done ? null : decode(first.value)',
    ).toBe('one');

    const secondRead = reader.read();
    expect(
      await stillWaiting(secondRead),
      'Streamer (docs/contract.md), liveTailing: an open reader receives later chunks: await stillWaiting(secondRead)',
    ).toBe('waiting');
    await streamer().writeToStream(name, runId, 'two');
    const second = await within(secondRead, 'the second live chunk');
    expect(
      second.done ? null : decode(second.value),
      'Streamer (docs/contract.md), liveTailing: an open reader receives later chunks: second.done ? null : decode(second.value)',
    ).toBe('two');

    const endRead = reader.read();
    expect(
      await stillWaiting(endRead),
      'Streamer (docs/contract.md), liveTailing: an open reader receives later chunks: await stillWaiting(endRead)',
    ).toBe('waiting');
    await streamer().closeStream(name, runId);
    expect(
      (await within(endRead, 'the stream to end after closeStream')).done,
      "Streamer (docs/contract.md), liveTailing: an open reader receives later chunks: (await within(endRead, 'the stream to end after closeStream')).done",
    ).toBe(true);
  });

  test('a reader that falls behind still receives every live chunk in order', async () => {
    const name = newStreamName();
    const runId = newRunId();
    const reader = (await streamer().readFromStream(name)).getReader();
    for (const part of ['x', 'y', 'z']) await streamer().writeToStream(name, runId, part);
    await readUntilText(reader, 'xyz');
    await streamer().closeStream(name, runId);
    expect(
      (await within(reader.read(), 'the end of the stream')).done,
      "Streamer (docs/contract.md), liveTailing: an open reader receives later chunks: (await within(reader.read(), 'the end of the stream')).done",
    ).toBe(true);
  });

  test('replays what exists, then tails new chunks without duplicates', async () => {
    const name = newStreamName();
    const runId = newRunId();
    await streamer().writeToStream(name, runId, 'a');
    await streamer().writeToStream(name, runId, 'b');
    const reading = readText(streamer(), name);
    await streamer().writeToStream(name, runId, 'c');
    await streamer().writeToStream(name, runId, 'd');
    await streamer().closeStream(name, runId);
    expect(
      await reading,
      'Streamer (docs/contract.md), liveTailing: an open reader receives later chunks: await reading',
    ).toBe('abcd');
  });

  test('a negative start on a live stream starts near the current end, then tails', async () => {
    const name = newStreamName();
    const runId = newRunId();
    for (const part of ['0', '1', '2', '3']) await streamer().writeToStream(name, runId, part);
    // Opened (and its start resolved) before the next write, so -1 means chunk "3".
    const stream = await streamer().readFromStream(name, -1);
    const reading = readToEnd(stream).then((chunks) => decode(joinBytes(chunks)));
    await streamer().writeToStream(name, runId, '4');
    await streamer().closeStream(name, runId);
    expect(
      await reading,
      'Streamer (docs/contract.md), liveTailing: an open reader receives later chunks: await reading',
    ).toBe('34');
  });

  test('a positive start beyond the current end waits for that chunk', async () => {
    const name = newStreamName();
    const runId = newRunId();
    await streamer().writeToStream(name, runId, '0');
    const reading = readText(streamer(), name, 2);
    for (const part of ['1', '2', '3']) await streamer().writeToStream(name, runId, part);
    await streamer().closeStream(name, runId);
    expect(
      await reading,
      'Streamer (docs/contract.md), liveTailing: an open reader receives later chunks: await reading',
    ).toBe('23');
  });

  test('several readers of one live stream each receive every chunk', async () => {
    const name = newStreamName();
    const runId = newRunId();
    const readers = [
      readText(streamer(), name),
      readText(streamer(), name),
      readText(streamer(), name),
    ];
    for (let at = 0; at < 10; at++) await streamer().writeToStream(name, runId, `${at},`);
    await streamer().closeStream(name, runId);
    const expected = Array.from({ length: 10 }, (_, at) => `${at},`).join('');
    expect(
      await Promise.all(readers),
      'Streamer (docs/contract.md), liveTailing: an open reader receives later chunks: await Promise.all(readers)',
    ).toEqual([expected, expected, expected]);
  });

  test('cancelling a live reader leaves the stream writable and readable by others', async () => {
    const name = newStreamName();
    const runId = newRunId();
    const cancelled = (await streamer().readFromStream(name)).getReader();
    const pending = cancelled.read();
    await cancelled.cancel();
    expect(
      (await within(pending, 'the cancelled read to settle')).done,
      "Streamer (docs/contract.md), liveTailing: an open reader receives later chunks: (await within(pending, 'the cancelled read to settle')).done",
    ).toBe(true);
    await streamer().writeToStream(name, runId, 'after cancel');
    await streamer().closeStream(name, runId);
    expect(
      await readText(streamer(), name),
      'Streamer (docs/contract.md), liveTailing: an open reader receives later chunks: await readText(streamer(), name)',
    ).toBe('after cancel');
  });
}
