import type { DeliveryOutcome, QueueEnvelope } from '@worldkit/core';
import { type RunningServer, startRedisServer } from '@worldkit/test-servers';
import { openQueueHarness, recordingLogger, testEnvelope, waitUntil } from '@worldkit/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { bullmqQueue } from '../providers.js';
import { BULLMQ_QUEUE_NAME, createBullmqQueue } from './bullmq-queue.js';
import {
  IDEMPOTENCY_RETAIN_MS,
  IdempotencyKeys,
  PENDING_HOLD_MARGIN_MS,
} from './idempotency-keys.js';
import { jobIdForSend } from './job-ids.js';

let redis: RunningServer;
let admin: Redis;
beforeAll(async () => {
  redis = await startRedisServer();
  admin = new Redis(redis.url, { maxRetriesPerRequest: null });
});
afterAll(async () => {
  await admin?.quit();
  await redis?.stop();
});

let prefixes = 0;
const newPrefix = () => `bq${++prefixes}`;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A BullMQ producer on the transport's queue, as another program would open it. */
function rawQueue(prefix: string): Queue {
  const queue = new Queue(BULLMQ_QUEUE_NAME, { connection: admin, prefix });
  onTestFinished(() => queue.close());
  return queue;
}

const envelope = testEnvelope;

describe('bullmq queue transport', () => {
  it('connects nothing until first used', async () => {
    const clients = async () =>
      String(await admin.client('LIST'))
        .trim()
        .split('\n').length;
    const before = await clients();
    const transport = createBullmqQueue({ url: redis.url, prefix: newPrefix(), logger: quiet });
    await sleep(50);
    expect(await clients()).toBe(before);
    await transport.close!();
  });

  it('dead-letters jobs with garbage data added directly with BullMQ and keeps processing', async () => {
    const prefix = newPrefix();
    const harness = openQueueHarness(bullmqQueue({ url: redis.url, prefix, concurrency: 2 }));
    onTestFinished(() => harness.close());
    const deliveries = harness.handle('workflow');
    await harness.start();

    const producer = rawQueue(prefix);
    await producer.add('junk', { not: 'an envelope' });
    await producer.add('junk', 'just a string' as unknown as object);
    await producer.add('junk', [1, 2, 3] as unknown as object);
    await harness.enqueue('workflow', { runId: 'wrun_after_junk' });

    await waitUntil(() => deliveries.length === 1, { what: 'the good message' });
    expect(deliveries[0].message).toEqual({ runId: 'wrun_after_junk' });
    const letters = await waitUntil(() => harness.transport.deadLetters!(), {
      what: 'three dead letters',
      until: (found) => found.length === 3,
    });
    expect(letters.map((letter) => letter.envelope)).toEqual(
      expect.arrayContaining([{ not: 'an envelope' }, 'just a string', [1, 2, 3]]),
    );
    expect(letters.every((letter) => letter.reason.startsWith('malformed envelope'))).toBe(true);
    // Dead letters are failed jobs, kept for inspection with BullMQ's own tools too.
    expect(await producer.getFailedCount()).toBe(3);
  });

  it('dead-letters a job whose stored data or options are not JSON once, and keeps delivering', async () => {
    const prefix = newPrefix();
    const logger = recordingLogger();
    const lockDurationMs = 1_000;
    const transport = createBullmqQueue({
      url: redis.url,
      prefix,
      lockDurationMs,
      logger,
      // One at a time: BullMQ fetches the corrupt data as it completes the good message, and
      // the corrupt options on its next fetch, the two ways a job reaches a Worker.
      concurrency: 1,
    });
    onTestFinished(() => transport.close!());
    // Stored first, then damaged in place in BullMQ's own key layout, as a bad writer would.
    const badData = envelope();
    const badOpts = envelope();
    const good = envelope();
    for (const sent of [good, badData, badOpts]) await transport.send(sent, { delaySeconds: 0 });
    const jobKey = (sent: QueueEnvelope) => `${prefix}:${BULLMQ_QUEUE_NAME}:${jobIdForSend(sent)}`;
    await admin.hset(jobKey(badData), 'data', '{"messageId": trunc');
    await admin.hset(jobKey(badOpts), 'opts', 'not json at all');

    const seen: QueueEnvelope[] = [];
    await transport.consume(async (raw) => {
      seen.push(raw as QueueEnvelope);
      return { type: 'ack' };
    });
    await waitUntil(() => seen.length === 1, { what: 'the good message' });
    expect(seen).toEqual([good]);
    const letters = await waitUntil(() => transport.deadLetters!(), {
      what: 'two dead letters',
      until: (found) => found.length === 2,
    });
    expect(letters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          // Unreadable data is kept as its text; readable data stays the envelope.
          envelope: '{"messageId": trunc',
          reason: expect.stringMatching(/^corrupt job: its data is not JSON/),
        }),
        expect.objectContaining({
          envelope: badOpts,
          reason: expect.stringMatching(/^corrupt job: its opts is not JSON/),
        }),
      ]),
    );

    // Several stalled checks later (one per lock duration) nothing was handed out again, and a
    // message sent now is delivered by the same Worker.
    const later = envelope();
    const settledAt = Date.now();
    await transport.send(later, { delaySeconds: 0 });
    await waitUntil(() => seen.length === 2 && Date.now() - settledAt > 4 * lockDurationMs, {
      what: 'the next message and four stalled checks',
    });
    expect(seen).toEqual([good, later]);
    expect(await transport.deadLetters!()).toHaveLength(2);
    const counts = await rawQueue(prefix).getJobCounts('active', 'wait', 'failed');
    expect(counts).toEqual({ active: 0, wait: 0, failed: 2 });
    const warnings = logger.lines.filter((line) => line.level === 'warn');
    // One rate-limited warning for both corrupt jobs; the other is a debug line.
    expect(warnings.map((line) => line.message)).toEqual([
      expect.stringMatching(/^dead-lettered a corrupt BullMQ job/),
    ]);
    expect(
      logger.lines.filter((line) => line.message.startsWith('dead-lettered a corrupt')),
    ).toHaveLength(2);
  });

  it('stops within closeTimeoutMs when a handler hangs, leaving its message stored', async () => {
    const prefix = newPrefix();
    const harness = openQueueHarness(bullmqQueue({ url: redis.url, prefix, closeTimeoutMs: 200 }));
    const deliveries = harness.handle('workflow', async () => {
      await sleep(3_000);
    });
    await harness.start();
    await harness.enqueue('workflow', { runId: 'wrun_hung' });
    await waitUntil(() => deliveries.length === 1, { what: 'the delivery to start' });

    const startedClosing = Date.now();
    await harness.close();
    expect(Date.now() - startedClosing).toBeLessThan(2_000);
    expect(harness.logs.map((entry) => entry.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/deliveries still running/)]),
    );
    // Not acknowledged, not lost: BullMQ still holds the job and re-issues it once its lock lapses.
    const counts = await rawQueue(prefix).getJobCounts('active', 'completed', 'failed');
    expect(counts).toEqual({ active: 1, completed: 0, failed: 0 });
  });

  it('retries the same job when the receiver itself throws, instead of dead-lettering it', async () => {
    const transport = createBullmqQueue({ url: redis.url, prefix: newPrefix(), logger: quiet });
    onTestFinished(() => transport.close!());
    const seen: unknown[] = [];
    await transport.consume(async (raw): Promise<DeliveryOutcome> => {
      seen.push(raw);
      if (seen.length === 1) throw new Error('compute backend unreachable');
      return { type: 'ack' };
    });
    const sent = envelope();
    await transport.send(sent, { delaySeconds: 0 });

    await waitUntil(() => seen.length === 2, { what: 'the retry after the receiver crash' });
    expect(seen).toEqual([sent, sent]);
    expect(await transport.deadLetters!()).toEqual([]);
  });

  it('stores each redelivery as the next job and completes the delivered one', async () => {
    const prefix = newPrefix();
    const transport = createBullmqQueue({ url: redis.url, prefix, logger: quiet });
    onTestFinished(() => transport.close!());
    const seen: QueueEnvelope[] = [];
    await transport.consume(async (raw) => {
      const delivered = raw as QueueEnvelope;
      seen.push(delivered);
      if (delivered.attempt === 1) {
        return {
          type: 'redeliver',
          envelope: { ...delivered, attempt: 2 },
          delaySeconds: 60,
        };
      }
      return { type: 'ack' };
    });
    const sent = envelope();
    await transport.send(sent, { delaySeconds: 0 });
    await waitUntil(() => seen.length === 1, { what: 'the first delivery' });

    const producer = rawQueue(prefix);
    const delayed = await waitUntil(() => producer.getDelayed(), {
      what: 'the redelivery job',
      until: (jobs) => jobs.length > 0,
    });
    expect(delayed.map((job) => job.id)).toEqual([`${sent.messageId}.2`]);
    expect(delayed[0].data).toEqual({ ...sent, attempt: 2 });
    expect(delayed[0].delay).toBe(60_000);
    expect(await producer.getJobCounts('active', 'wait', 'completed')).toEqual({
      active: 0,
      wait: 0,
      completed: 0,
    });
  });

  describe('idempotency keys', () => {
    it('keeps an acknowledged key for the retention window only, then accepts the key again', async () => {
      const prefix = newPrefix();
      const transport = createBullmqQueue({ url: redis.url, prefix, logger: quiet });
      onTestFinished(() => transport.close!());
      const acked: unknown[] = [];
      await transport.consume(async (raw) => {
        acked.push(raw);
        return { type: 'ack' };
      });

      const first = envelope({ idempotencyKey: 'step_window' });
      expect(await transport.send(first, { delaySeconds: 0 })).toEqual({ accepted: true });
      await waitUntil(() => acked.length === 1, { what: 'the first message' });
      const key = `${prefix}:idempotency:step_window`;
      // Held for the pending message's delay plus a margin, then cut to the window on ack.
      const ttl = await waitUntil(() => admin.pttl(key), {
        what: 'the key to be settled',
        until: (left) => left <= IDEMPOTENCY_RETAIN_MS,
      });
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(IDEMPOTENCY_RETAIN_MS);
      expect(
        await transport.send(envelope({ idempotencyKey: 'step_window' }), { delaySeconds: 0 }),
      ).toEqual({ accepted: false });

      // The window passing is simulated by expiring the key now.
      await admin.del(key);
      expect(
        await transport.send(envelope({ idempotencyKey: 'step_window' }), { delaySeconds: 0 }),
      ).toEqual({ accepted: true });
      await waitUntil(() => acked.length === 2, { what: 'the re-sent message' });
    });

    it('frees a key claimed by a sender that died before storing its message, well before the lock lapses', async () => {
      const prefix = newPrefix();
      const lockDurationMs = 2_000;
      const transport = createBullmqQueue({
        url: redis.url,
        prefix,
        lockDurationMs,
        logger: quiet,
      });
      onTestFinished(() => transport.close!());
      // A process claimed the key and died before adding the job: nothing else touches it.
      const dead = new IdempotencyKeys(async () => admin, prefix, lockDurationMs / 4);
      expect(await dead.claim('step_orphan', 'msg_never_stored')).toBe(true);
      expect(
        await transport.send(envelope({ idempotencyKey: 'step_orphan' }), { delaySeconds: 0 }),
      ).toEqual({ accepted: false });

      // The dead delivery comes back no sooner than half the lock duration; its re-send must
      // then get through, or the message is lost for good.
      await sleep(lockDurationMs / 2);
      expect(
        await transport.send(envelope({ idempotencyKey: 'step_orphan' }), { delaySeconds: 0 }),
      ).toEqual({ accepted: true });
    });

    it('lets a claim sent twice by the same message through (a resend after a lost reply)', async () => {
      const keys = new IdempotencyKeys(async () => admin, newPrefix(), 1_000);
      expect(await keys.claim('step_twice', 'msg_a')).toBe(true);
      expect(await keys.claim('step_twice', 'msg_a')).toBe(true);
      expect(await keys.claim('step_twice', 'msg_b')).toBe(false);
    });

    it('holds the key of a stored message through its delay', async () => {
      const prefix = newPrefix();
      const transport = createBullmqQueue({
        url: redis.url,
        prefix,
        lockDurationMs: 2_000,
        logger: quiet,
      });
      onTestFinished(() => transport.close!());
      expect(
        await transport.send(envelope({ idempotencyKey: 'step_later' }), { delaySeconds: 60 }),
      ).toEqual({ accepted: true });
      const ttl = await admin.pttl(`${prefix}:idempotency:step_later`);
      expect(ttl).toBeGreaterThan(60_000);
      expect(ttl).toBeLessThanOrEqual(60_000 + PENDING_HOLD_MARGIN_MS);
      await sleep(600);
      expect(
        await transport.send(envelope({ idempotencyKey: 'step_later' }), { delaySeconds: 0 }),
      ).toEqual({ accepted: false });
    });

    it('releases the key of a dead-lettered message so a deliberate re-send goes through', async () => {
      const transport = createBullmqQueue({ url: redis.url, prefix: newPrefix(), logger: quiet });
      onTestFinished(() => transport.close!());
      await transport.consume(async () => ({ type: 'dead-letter', reason: 'hopeless' }));

      await transport.send(envelope({ idempotencyKey: 'step_doomed' }), { delaySeconds: 0 });
      const letters = await waitUntil(() => transport.deadLetters!(), {
        what: 'the dead letter',
        until: (found) => found.length > 0,
      });
      expect(letters).toMatchObject([{ reason: 'hopeless' }]);
      expect(
        await transport.send(envelope({ idempotencyKey: 'step_doomed' }), { delaySeconds: 0 }),
      ).toEqual({ accepted: true });
    });
  });

  it('uses a caller-owned ioredis connection without closing it', async () => {
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    onTestFinished(async () => {
      await connection.quit();
    });
    const transport = createBullmqQueue({ connection, prefix: newPrefix(), logger: quiet });
    const seen: unknown[] = [];
    await transport.consume(async (raw) => {
      seen.push(raw);
      return { type: 'ack' };
    });
    await transport.send(envelope(), { delaySeconds: 0 });
    await waitUntil(() => seen.length === 1, { what: 'the message' });
    await transport.close!();
    expect(await connection.ping()).toBe('PONG');
  });
});
