import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeStreamerConformance } from '@worldkit/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { localStreamer } from '../providers.js';
import { createLocalStreamer } from './local-streamer.js';

const tempDirs: string[] = [];
async function freshDataDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'worldkit-streamer-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

const quietLogger = () => {
  const warnings: string[] = [];
  const record = (message: string) => warnings.push(message);
  return { warnings, logger: { debug() {}, info() {}, warn: record, error: record } };
};

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.getReader();
  let result = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return result;
    result += text(value);
  }
}

describeStreamerConformance({
  name: 'local (memory)',
  create: () => localStreamer({ memory: true }),
});

describeStreamerConformance({
  name: 'local (data dir)',
  create: async () => localStreamer({ dataDir: await freshDataDir() }),
});

describe('local streamer with a data dir', () => {
  it('does no I/O until first use', async () => {
    const dataDir = path.join(await freshDataDir(), 'not-yet');
    const streamer = createLocalStreamer({ dataDir });
    await expect(stat(dataDir)).rejects.toMatchObject({ code: 'ENOENT' });
    await streamer.writeToStream('strm_a', 'wrun_a', 'x');
    expect((await stat(path.join(dataDir, 'streams.journal.bin'))).size).toBeGreaterThan(0);
    await streamer.close?.();
  });

  it('keeps chunks, closes and run listings across a close and reopen', async () => {
    const dataDir = await freshDataDir();
    const first = createLocalStreamer({ dataDir });
    await first.writeToStream('strm_done', 'wrun_1', 'hello ');
    await first.writeToStreamMulti?.('strm_done', 'wrun_1', [
      'wor',
      Uint8Array.from([108, 0, 100]),
    ]);
    await first.closeStream('strm_done', 'wrun_1');
    await first.writeToStream('strm_open', 'wrun_1', 'partial');
    await first.close?.();

    const second = createLocalStreamer({ dataDir });
    expect(await readAll(await second.readFromStream('strm_done'))).toBe('hello worl\u0000d');
    expect(await second.getStreamInfo('strm_done', 'wrun_1')).toEqual({ tailIndex: 2, done: true });
    expect(await second.getStreamInfo('strm_open', 'wrun_1')).toEqual({
      tailIndex: 0,
      done: false,
    });
    expect([...(await second.listStreamsByRunId('wrun_1'))].sort()).toEqual([
      'strm_done',
      'strm_open',
    ]);

    // The open stream continues where the previous process left it.
    const reading = readAll(await second.readFromStream('strm_open'));
    await second.writeToStream('strm_open', 'wrun_1', ' and more');
    await second.closeStream('strm_open', 'wrun_1');
    expect(await reading).toBe('partial and more');
    await second.close?.();
  });

  it('shares one instance per data dir in a process; each handle releases only its share', async () => {
    const dataDir = await freshDataDir();
    const one = createLocalStreamer({ dataDir });
    const two = createLocalStreamer({ dataDir });
    const tail = readAll(await two.readFromStream('strm_shared'));
    await one.writeToStream('strm_shared', 'wrun_s', 'from one');
    await one.close?.();
    await expect(one.writeToStream('strm_shared', 'wrun_s', 'x')).rejects.toThrow(
      /handle is closed/,
    );
    await two.writeToStream('strm_shared', 'wrun_s', ', from two');
    await two.closeStream('strm_shared', 'wrun_s');
    expect(await tail).toBe('from one, from two');
    await two.close?.();
  });

  it('commits concurrent writes in call order across many streams', async () => {
    const dataDir = await freshDataDir();
    const streamer = createLocalStreamer({ dataDir });
    const writes: Promise<void>[] = [];
    for (let at = 0; at < 200; at++) {
      writes.push(streamer.writeToStream(`strm_${at % 4}`, 'wrun_c', `${at};`));
    }
    await Promise.all(writes);
    await streamer.close?.();

    const reopened = createLocalStreamer({ dataDir });
    for (let stream = 0; stream < 4; stream++) {
      const page = await reopened.getStreamChunks(`strm_${stream}`, 'wrun_c', { limit: 1000 });
      const expected = Array.from({ length: 50 }, (_, at) => `${at * 4 + stream};`);
      expect(page.data.map((chunk) => text(chunk.data))).toEqual(expected);
    }
    await reopened.close?.();
  });

  it('cuts off a record torn by a crash mid-append and keeps everything before it', async () => {
    const dataDir = await freshDataDir();
    const first = createLocalStreamer({ dataDir });
    await first.writeToStream('strm_t', 'wrun_t', 'intact');
    await first.close?.();
    const journal = path.join(dataDir, 'streams.journal.bin');
    const intactSize = (await stat(journal)).size;
    // A record header announcing 100 bytes, followed by only 3 of them.
    await appendFile(journal, Buffer.from([0, 0, 0, 100, 1, 2, 3, 4, 9, 9, 9]));

    const { logger, warnings } = quietLogger();
    const second = createLocalStreamer({ dataDir, logger });
    expect(await second.getStreamInfo('strm_t', 'wrun_t')).toEqual({ tailIndex: 0, done: false });
    // Reading leaves the file alone (a live writer may be finishing that record)...
    expect(warnings).toEqual([]);
    await second.start?.();
    // ...the process that becomes the writer cuts it off.
    expect(warnings.join()).toMatch(/incomplete record/);
    expect((await stat(journal)).size).toBe(intactSize);
    await second.writeToStream('strm_t', 'wrun_t', ' and after');
    await second.closeStream('strm_t', 'wrun_t');
    expect(await readAll(await second.readFromStream('strm_t'))).toBe('intact and after');
    await second.close?.();
  });

  it('refuses a journal damaged before intact records instead of truncating good data', async () => {
    const dataDir = await freshDataDir();
    const first = createLocalStreamer({ dataDir });
    await first.writeToStream('strm_d', 'wrun_d', 'first');
    await first.writeToStream('strm_d', 'wrun_d', 'second');
    await first.close?.();
    const journal = path.join(dataDir, 'streams.journal.bin');
    const bytes = await readFile(journal);
    // Flip the last payload byte of the first record: its checksum fails, the second is intact.
    const firstRecordEnd = 8 + bytes.readUInt32BE(0);
    bytes[firstRecordEnd - 1] ^= 0xff;
    await writeFile(journal, bytes);

    const second = createLocalStreamer({ dataDir, logger: quietLogger().logger });
    await expect(second.getStreamInfo('strm_d', 'wrun_d')).rejects.toThrow(/damaged at byte 0/);
    expect((await stat(journal)).size).toBe(bytes.length);
    await second.close?.();
  });

  it('refuses start() while another live process writes the data dir', async () => {
    const dataDir = await freshDataDir();
    const first = createLocalStreamer({ dataDir });
    await first.start?.();
    await first.close?.();
    // The parent process (the test runner) is alive and is not this process.
    await writeFile(path.join(dataDir, 'writer.lock'), `${process.ppid}\n`);
    const second = createLocalStreamer({ dataDir });
    await expect(second.start?.()).rejects.toThrow(/in use by process/);
    await second.close?.();
  });

  it('takes over a lock left by a process that no longer exists', async () => {
    const dataDir = await freshDataDir();
    const first = createLocalStreamer({ dataDir });
    await first.writeToStream('strm_l', 'wrun_l', 'before');
    await first.close?.();
    await writeFile(path.join(dataDir, 'writer.lock'), '999999999');
    const second = createLocalStreamer({ dataDir });
    expect(await second.getStreamInfo('strm_l', 'wrun_l')).toEqual({ tailIndex: 0, done: false });
    await second.writeToStream('strm_l', 'wrun_l', 'after');
    expect(await second.getStreamInfo('strm_l', 'wrun_l')).toEqual({ tailIndex: 1, done: false });
    await second.close?.();
  });

  it('ends open readers with an error when the last user closes, instead of hanging', async () => {
    const streamer = createLocalStreamer({ dataDir: await freshDataDir() });
    const reader = (await streamer.readFromStream('strm_hang')).getReader();
    const failed = expect(reader.read()).rejects.toThrow(/closed/);
    await streamer.close?.();
    await failed;
  });
});

describe('local streamer in memory', () => {
  it('gives every call its own streams', async () => {
    const one = createLocalStreamer();
    const two = createLocalStreamer();
    await one.writeToStream('strm_m', 'wrun_m', 'only in one');
    expect(await two.getStreamInfo('strm_m', 'wrun_m')).toEqual({ tailIndex: -1, done: false });
    expect(await one.getStreamInfo('strm_m', 'wrun_m')).toEqual({ tailIndex: 0, done: false });
  });

  it('rejects bad arguments with clear errors', async () => {
    const streamer = createLocalStreamer();
    await expect(streamer.writeToStream('', 'wrun', 'x')).rejects.toThrow(
      /name must be a non-empty string/,
    );
    await expect(streamer.writeToStream('strm', 'wrun', 42 as never)).rejects.toThrow(
      /string or Uint8Array/,
    );
    await expect(streamer.readFromStream('strm', 1.5)).rejects.toThrow(/integer/);
    await expect(streamer.getStreamChunks('strm', 'wrun', { cursor: 'nope' })).rejects.toThrow(
      /invalid stream chunk cursor/,
    );
  });
});
