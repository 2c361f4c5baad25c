import { type RestartableServer, startRedisServer } from '@worldkit/test-servers';
import { type LoggedLine, recordingLogger, testEnvelope, waitUntil } from '@worldkit/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createBullmqQueue } from './queue/bullmq-queue.js';
import { createRedisStreamer } from './streamer/redis-streamer.js';

/**
 * A Redis restart is one outage: every connection kind says so once when it starts and once
 * when it ends, however many reconnect attempts and retried operations it took.
 */

let redis: RestartableServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The lines logged so far, but debug, for a timeout's message. */
const loggedSoFar = (log: LoggedLine[]) => () =>
  `logged:\n${JSON.stringify(
    log.filter((line) => line.level !== 'debug'),
    null,
    1,
  )}`;

const envelope = (index: number) =>
  testEnvelope({
    messageId: `msg_outage_${index}_${Date.now()}`,
    queueName: '__wkf_workflow_outage',
  });

/**
 * Whether the server shows a client named `name` blocked in `command`, so the test stops
 * Redis only once that command is really in flight (on a slow machine it may not be yet).
 */
async function clientIsRunning(url: string, name: string, command: string): Promise<boolean> {
  const admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await admin.connect();
    const clients = (await admin.call('CLIENT', 'LIST')) as string;
    return clients
      .split('\n')
      .some((line) => line.includes(` name=${name} `) && line.includes(` cmd=${command} `));
  } finally {
    admin.disconnect();
  }
}

/** Lines per level for each backend named in an outage report line. */
function linesAbout(lines: LoggedLine[], backend: string) {
  const about = lines.filter((line) => line.message.startsWith(backend));
  return {
    warn: about.filter((line) => line.level === 'warn').length,
    info: about.filter((line) => line.level === 'info').length,
    error: about.filter((line) => line.level === 'error').length,
  };
}

describe('a Redis restart', () => {
  it('logs one warning and one recovery line per connection kind, and nothing else above debug', async () => {
    const logger = recordingLogger();
    const queue = createBullmqQueue({ url: redis.url, prefix: 'outage', logger });
    const streamer = createRedisStreamer({ url: redis.url, prefix: 'outage', logger });
    onTestFinished(async () => {
      await Promise.all([queue.close?.(), streamer.close?.()]);
    });
    const delivered = new Set<string>();
    await queue.consume(async (raw) => {
      delivered.add((raw as { messageId: string }).messageId);
      return { type: 'ack' };
    });
    await queue.send(envelope(0), { delaySeconds: 0 });
    await waitUntil(() => delivered.size === 1, { what: 'the first delivery' });
    // A live reader keeps the tail watcher's blocking XREAD in flight through the outage.
    const reader = (await streamer.readFromStream('strm_outage')).getReader();
    const firstChunk = reader.read();
    await waitUntil(() => clientIsRunning(redis.url, 'worldkit-streamer-tail', 'xread'), {
      what: "the tail watcher's XREAD to be in flight",
    });

    await redis.stopServer();
    // Sends made while Redis is down wait through the reconnect (maxRetriesPerRequest: null).
    const during = Promise.all(
      [1, 2, 3].map((index) => queue.send(envelope(index), { delaySeconds: 0 })),
    );
    await sleep(2_500);
    await redis.startAgain();
    await during;
    await waitUntil(() => delivered.size === 4, { what: 'the deliveries sent during the outage' });
    await streamer.writeToStream('strm_outage', 'wrun_outage', 'after');
    expect((await firstChunk).done).toBe(false);
    await reader.cancel();

    // Every connection that saw the outage reports it: the BullMQ ones and the streamer's
    // two (its tail watcher's XREAD is resent by ioredis after the reconnect, not failed).
    const backends = [
      'Redis connection "worldkit-bullmq"',
      'BullMQ queue (Redis)',
      'BullMQ worker (Redis)',
      'Redis connection "worldkit-streamer"',
      'Redis connection "worldkit-streamer-tail"',
    ];
    await waitUntil(
      () => backends.every((backend) => linesAbout(logger.lines, backend).info === 1),
      { what: 'every connection kind to report its recovery', detail: loggedSoFar(logger.lines) },
    );
    for (const backend of backends) {
      expect({ backend, ...linesAbout(logger.lines, backend) }).toEqual({
        backend,
        warn: 1,
        info: 1,
        error: 0,
      });
    }
    // Everything else the outage produced went to debug.
    const reported = (line: LoggedLine) =>
      backends.some((backend) => line.message.startsWith(backend));
    expect(logger.lines.filter((line) => line.level !== 'debug' && !reported(line))).toEqual([]);
  }, 180_000);
});
