import type { StreamerInstance } from '@worldkit/core';
import { type RunningServer, startRedisServer } from '@worldkit/test-servers';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createRedisStreamer } from './redis-streamer.js';

let redis: RunningServer;
let admin: Redis;
beforeAll(async () => {
  redis = await startRedisServer();
  admin = new Redis(redis.url);
});
afterAll(async () => {
  await admin?.quit();
  await redis?.stop();
});

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
let streams = 0;
const newName = () => `strm_unit_${++streams}`;
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** Connections the server sees with this client name. */
async function connectionsNamed(name: string): Promise<number> {
  const list = String(await admin.client('LIST'));
  return list.split('\n').filter((line) => line.includes(` name=${name} `)).length;
}

function openStreamer(settings: Parameters<typeof createRedisStreamer>[0] = {}): StreamerInstance {
  const streamer = createRedisStreamer({
    url: redis.url,
    prefix: 'unit',
    logger: quiet,
    ...settings,
  });
  onTestFinished(() => streamer.close?.());
  return streamer;
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  let received = '';
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) received += text(chunk);
  return received;
}

describe('redis streamer', () => {
  it('connects nothing until first used', async () => {
    const streamer = openStreamer();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await connectionsNamed('worldkit-streamer')).toBe(0);
    await streamer.writeToStream(newName(), 'wrun_lazy', 'x');
    expect(await connectionsNamed('worldkit-streamer')).toBe(1);
  });

  it('serves many live readers over one blocking connection', async () => {
    const streamer = openStreamer();
    const names = Array.from({ length: 20 }, newName);
    const pending = await Promise.all(names.map((name) => streamer.readFromStream(name)));
    const results = pending.map(readAll);
    for (const [at, name] of names.entries()) {
      await streamer.writeToStream(name, 'wrun_many', `first ${at};`);
    }
    for (const [at, name] of names.entries()) {
      await streamer.writeToStream(name, 'wrun_many', `second ${at}`);
      await streamer.closeStream(name, 'wrun_many');
    }
    expect(await Promise.all(results)).toEqual(names.map((_, at) => `first ${at};second ${at}`));
    expect(await connectionsNamed('worldkit-streamer-tail')).toBe(1);
    expect(await connectionsNamed('worldkit-streamer')).toBe(1);
  });

  it('stores chunks as entries 0-1, 0-2, … and the close as an end marker', async () => {
    const streamer = openStreamer();
    const name = newName();
    await streamer.writeToStream(name, 'wrun_layout', 'a');
    await streamer.writeToStreamMulti?.(name, 'wrun_layout', ['b', Uint8Array.from([0, 1])]);
    await streamer.closeStream(name, 'wrun_layout');
    await streamer.closeStream(name, 'wrun_layout');
    const entries = await admin.xrange(`unit:stream:${name}`, '-', '+');
    expect(entries).toEqual([
      ['0-1', ['d', 'a']],
      ['0-2', ['d', 'b']],
      ['0-3', ['d', '\u0000\u0001']],
      ['0-4', ['end', '1']],
    ]);
    expect(await admin.zrange('unit:run-streams:wrun_layout', 0, -1)).toEqual([name]);
  });

  it('ends open readers with an error on close and releases its connections', async () => {
    const streamer = createRedisStreamer({ url: redis.url, prefix: 'unit', logger: quiet });
    const reader = (await streamer.readFromStream(newName())).getReader();
    // Settled into a value now, so the rejection on close is observed, not unhandled.
    const pending = reader.read().then(
      () => 'ended quietly',
      (error: Error) => error.message,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await connectionsNamed('worldkit-streamer-tail')).toBe(1);

    await streamer.close?.();
    expect(await pending).toMatch(/streamer is closed/);
    await expect(streamer.writeToStream(newName(), 'wrun_closed', 'x')).rejects.toThrow(
      /streamer is closed/,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await connectionsNamed('worldkit-streamer-tail')).toBe(0);
    expect(await connectionsNamed('worldkit-streamer')).toBe(0);
  });

  it('rejects a cursor it did not hand out', async () => {
    const streamer = openStreamer();
    await expect(
      streamer.getStreamChunks(newName(), 'wrun_cursor', { cursor: 'not-a-cursor' }),
    ).rejects.toThrow(/invalid stream cursor/);
  });

  it('accepts the run id as a promise, as the runtime may pass it', async () => {
    const streamer = openStreamer();
    const name = newName();
    const runId = Promise.resolve('wrun_promised') as unknown as string;
    await streamer.writeToStream(name, runId, 'hello');
    await streamer.closeStream(name, runId);
    expect(await streamer.listStreamsByRunId('wrun_promised')).toEqual([name]);
  });

  it('uses a caller-owned ioredis connection without closing it', async () => {
    const connection = new Redis(redis.url);
    onTestFinished(async () => {
      await connection.quit();
    });
    const streamer = createRedisStreamer({ connection, prefix: 'unit', logger: quiet });
    const name = newName();
    const reading = streamer.readFromStream(name).then(readAll);
    await streamer.writeToStream(name, 'wrun_owned', 'live');
    await streamer.closeStream(name, 'wrun_owned');
    expect(await reading).toBe('live');
    await streamer.close?.();
    expect(await connection.ping()).toBe('PONG');
  });
});
