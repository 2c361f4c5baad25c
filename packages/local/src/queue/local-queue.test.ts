import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type DeliveryOutcome,
  type Logger,
  type QueueEnvelope,
  type QueueReceiver,
  WorldkitConfigError,
} from '@worldkit/core';
import { testEnvelope, waitUntil } from '@worldkit/testing';
import { afterEach, describe, expect, test } from 'vitest';
import { parseFramedLine } from '../data-dir/line-framing.js';
import { createLocalQueue, QUEUE_JOURNAL_FILE } from './local-queue.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'worldkit-local-queue-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function recordingLogger() {
  const entries: Array<{ level: string; message: string; details?: Record<string, unknown> }> = [];
  const at = (level: string) => (message: string, details?: Record<string, unknown>) =>
    entries.push({ level, message, details });
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
  return { logger, entries };
}

/** The transport does not look inside envelopes; tests name theirs by `messageId`. */
function envelope(messageId: string, extra: Partial<QueueEnvelope> = {}): QueueEnvelope {
  return testEnvelope({ messageId, deploymentId: 'unit', notBefore: 0, createdAt: 0, ...extra });
}

function openQueue(settings: Parameters<typeof createLocalQueue>[0] = {}) {
  const { logger, entries } = recordingLogger();
  const queue = createLocalQueue({ logger, ...settings });
  cleanups.push(() => queue.close!());
  return { queue, logs: entries };
}

/** A receiver that records message ids and acknowledges. */
function acking(received: string[], outcome: DeliveryOutcome = { type: 'ack' }): QueueReceiver {
  return async (raw) => {
    received.push((raw as QueueEnvelope).messageId);
    return outcome;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function journalRecords(dir: string): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(join(dir, QUEUE_JOURNAL_FILE), 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(unframed(line)));
}

/** A journal line's JSON, after checking its checksum. */
function unframed(line: string): string {
  const parsed = parseFramedLine(line);
  if (parsed.type !== 'json') throw new Error(`bad journal line: ${parsed.reason}`);
  return parsed.json;
}

describe('createLocalQueue', () => {
  test('is synchronous and touches no files until first used', async () => {
    const dir = join(await tempDir(), 'not-yet');
    const { queue } = openQueue({ dataDir: dir });
    await expect(stat(dir)).rejects.toMatchObject({ code: 'ENOENT' });
    await queue.start!();
    expect((await stat(join(dir, QUEUE_JOURNAL_FILE))).isFile()).toBe(true);
  });

  test('refuses a concurrency that is not a positive integer, naming the setting', () => {
    expect(() => createLocalQueue({ concurrency: 0 })).toThrow(WorldkitConfigError);
    expect(() => createLocalQueue({ concurrency: 1.5 })).toThrow(
      /queue\.concurrency: expected a positive integer, got 1\.5/,
    );
  });

  test('hands messages beyond the concurrency limit over in order of due time, first come first served', async () => {
    const { queue } = openQueue({ concurrency: 1 });
    const received: string[] = [];
    await queue.send(envelope('later'), { delaySeconds: 0.15 });
    await queue.send(envelope('soon'), { delaySeconds: 0.05 });
    for (const id of ['a', 'b', 'c']) await queue.send(envelope(id), { delaySeconds: 0 });
    await queue.consume(async (raw) => {
      received.push((raw as QueueEnvelope).messageId);
      await sleep(10);
      return { type: 'ack' };
    });
    await waitUntil(() => received.length === 5, { what: 'every message', intervalMs: 5 });
    expect(received).toEqual(['a', 'b', 'c', 'soon', 'later']);
  });

  test('in memory, settles and delivers the sends of one turn together on the next turn, never inside the sender', async () => {
    // Memory paces like the journal's group commit: a sender's own turn (its microtasks)
    // never runs the receiver, and no timer is needed to pick the messages up. Settling inside
    // the sender let one chain of work run ahead of the runtime's setTimeout(0) replay polls
    // and made fan-outs in memory several times slower than with files.
    const { queue } = openQueue();
    const received: string[] = [];
    await queue.consume(async (raw) => {
      received.push((raw as QueueEnvelope).messageId);
      return { type: 'ack' };
    });
    let settled = 0;
    for (const id of ['a', 'b', 'c']) {
      void queue.send(envelope(id), { delaySeconds: 0 }).then(() => settled++);
    }
    for (let tick = 0; tick < 50; tick++) await Promise.resolve();
    expect({ received, settled }).toEqual({ received: [], settled: 0 });

    await new Promise((resolve) => setImmediate(resolve));
    expect({ received, settled }).toEqual({ received: ['a', 'b', 'c'], settled: 3 });
  });

  test('retries, with backoff and an error log, a message whose receiver throws', async () => {
    const { queue, logs } = openQueue();
    const calls: number[] = [];
    await queue.consume(async () => {
      calls.push(Date.now());
      if (calls.length < 3) throw new Error('receiver bug');
      return { type: 'ack' };
    });
    await queue.send(envelope('fragile'), { delaySeconds: 0 });
    await waitUntil(() => calls.length === 3, { what: 'the third call', intervalMs: 5 });

    // Backoff 250 ms, then 500 ms.
    expect(calls[1] - calls[0]).toBeGreaterThanOrEqual(245);
    expect(calls[2] - calls[1]).toBeGreaterThanOrEqual(495);
    const errors = logs.filter((entry) => entry.level === 'error');
    expect(errors).toHaveLength(2);
    expect(errors[0].details).toMatchObject({ crashes: 1, error: 'receiver bug' });
    expect(await queue.deadLetters!()).toEqual([]);
  });

  test('treats a receiver that returns no outcome as a failed delivery', async () => {
    const { queue, logs } = openQueue();
    let calls = 0;
    await queue.consume((async () => {
      calls++;
      return calls === 1 ? undefined : { type: 'ack' };
    }) as QueueReceiver);
    await queue.send(envelope('confused'), { delaySeconds: 0 });
    await waitUntil(() => calls === 2, { what: 'the retry', intervalMs: 5 });
    expect(logs.some((entry) => /no delivery outcome/.test(String(entry.details?.error)))).toBe(
      true,
    );
  });

  test('stores the envelope a redelivery carries and applies its delay', async () => {
    const { queue } = openQueue();
    const seen: QueueEnvelope[] = [];
    await queue.consume(async (raw) => {
      const current = raw as QueueEnvelope;
      seen.push(current);
      return current.attempt === 1
        ? { type: 'redeliver', envelope: { ...current, attempt: 2 }, delaySeconds: 0.1 }
        : { type: 'ack' };
    });
    await queue.send(envelope('again'), { delaySeconds: 0 });
    await waitUntil(() => seen.length === 2, { what: 'the redelivery', intervalMs: 5 });
    expect(seen.map((entry) => entry.attempt)).toEqual([1, 2]);
  });

  test('close() waits a bounded time for a handler that never finishes', async () => {
    const { queue, logs } = openQueue({ closeTimeoutMs: 150 });
    let started = false;
    await queue.consume(() => {
      started = true;
      return new Promise<never>(() => {});
    });
    await queue.send(envelope('stuck'), { delaySeconds: 0 });
    await waitUntil(() => started, { what: 'the delivery', intervalMs: 5 });

    const closingAt = Date.now();
    await queue.close!();
    expect(Date.now() - closingAt).toBeGreaterThanOrEqual(140);
    expect(Date.now() - closingAt).toBeLessThan(1_000);
    expect(
      logs.some(
        (entry) => entry.level === 'warn' && /before every delivery finished/.test(entry.message),
      ),
    ).toBe(true);
    await expect(queue.send(envelope('late'), { delaySeconds: 0 })).rejects.toThrow(/closed/);
  });

  test('shares one queue between transports opened on the same dataDir', async () => {
    const dir = await tempDir();
    const { queue: sender } = openQueue({ dataDir: dir });
    const { queue: consumer } = openQueue({ dataDir: dir });
    const received: string[] = [];
    await consumer.consume(acking(received));

    await sender.send(envelope('across', { idempotencyKey: 'shared-key' }), { delaySeconds: 0 });
    expect(
      await consumer.send(envelope('dup', { idempotencyKey: 'shared-key' }), { delaySeconds: 0 }),
    ).toEqual({ accepted: false });
    await waitUntil(() => received.length === 1, { what: 'the shared message', intervalMs: 5 });
    expect(received).toEqual(['across']);

    // Closing one user leaves the queue open for the other.
    await sender.close!();
    await consumer.send(envelope('still-open'), { delaySeconds: 0 });
    await waitUntil(() => received.length === 2, {
      what: 'a message after the other transport closed',
      intervalMs: 5,
    });
  });
});

describe('createLocalQueue durability', () => {
  test('delivers, after a reopen, a delayed message sent before close', async () => {
    const dir = await tempDir();
    const first = openQueue({ dataDir: dir });
    const firstReceived: string[] = [];
    await first.queue.consume(acking(firstReceived));
    await first.queue.send(envelope('sleeper', { body: '{"bytes":"\\u0000"}' }), {
      delaySeconds: 0.3,
    });
    await first.queue.close!();
    expect(firstReceived).toEqual([]);

    const second = openQueue({ dataDir: dir });
    const delivered: unknown[] = [];
    const openedAt = Date.now();
    await second.queue.consume(async (raw) => {
      delivered.push(raw);
      return { type: 'ack' };
    });
    await waitUntil(() => delivered.length === 1, { what: 'the restored message', intervalMs: 5 });
    expect(delivered[0]).toEqual(envelope('sleeper', { body: '{"bytes":"\\u0000"}' }));
    // Still honours what was left of its delay (it was due 0.3 s after sending).
    expect(Date.now() - openedAt).toBeLessThan(1_000);
  });

  test('does not redeliver acknowledged or dead-lettered messages, and keeps dead letters', async () => {
    const dir = await tempDir();
    const first = openQueue({ dataDir: dir });
    const received: string[] = [];
    await first.queue.consume(async (raw) => {
      const id = (raw as QueueEnvelope).messageId;
      received.push(id);
      return id === 'poison' ? { type: 'dead-letter', reason: 'poisoned' } : { type: 'ack' };
    });
    await first.queue.send(envelope('done'), { delaySeconds: 0 });
    await first.queue.send(envelope('poison'), { delaySeconds: 0 });
    await waitUntil(() => received.length === 2, { what: 'both messages', intervalMs: 5 });
    await first.queue.close!();

    const records = await journalRecords(dir);
    expect(records.map((record) => record.t)).toEqual(
      expect.arrayContaining(['journal', 'sent', 'sent', 'acked', 'dead-lettered']),
    );

    const second = openQueue({ dataDir: dir });
    const again: string[] = [];
    await second.queue.consume(acking(again));
    await second.queue.send(envelope('fresh'), { delaySeconds: 0 });
    await waitUntil(() => again.length === 1, { what: 'the fresh message', intervalMs: 5 });
    await sleep(100);
    expect(again).toEqual(['fresh']);
    expect(await second.queue.deadLetters!()).toEqual([
      { envelope: envelope('poison'), reason: 'poisoned', at: expect.any(Number) },
    ]);
  });

  test('redelivers a message that was in flight when the process stopped', async () => {
    const dir = await tempDir();
    const first = openQueue({ dataDir: dir, closeTimeoutMs: 50 });
    let started = false;
    await first.queue.consume(() => {
      started = true;
      return new Promise<never>(() => {});
    });
    await first.queue.send(envelope('interrupted'), { delaySeconds: 0 });
    await waitUntil(() => started, { what: 'the first delivery', intervalMs: 5 });
    await first.queue.close!();

    const second = openQueue({ dataDir: dir });
    const received: string[] = [];
    await second.queue.consume(acking(received));
    await waitUntil(() => received.length === 1, { what: 'the redelivery', intervalMs: 5 });
    expect(received).toEqual(['interrupted']);
  });

  test('remembers idempotency keys across a reopen', async () => {
    const dir = await tempDir();
    const first = openQueue({ dataDir: dir });
    const received: string[] = [];
    await first.queue.consume(acking(received));
    await first.queue.send(envelope('keyed', { idempotencyKey: 'step_1' }), { delaySeconds: 0 });
    await waitUntil(() => received.length === 1, { what: 'the keyed message', intervalMs: 5 });
    await sleep(20);
    await first.queue.close!();

    const second = openQueue({ dataDir: dir });
    expect(
      await second.queue.send(envelope('keyed-again', { idempotencyKey: 'step_1' }), {
        delaySeconds: 0,
      }),
    ).toEqual({
      accepted: false,
    });
    expect(
      await second.queue.send(envelope('other', { idempotencyKey: 'step_2' }), { delaySeconds: 0 }),
    ).toEqual({
      accepted: true,
    });
  });

  test('compacts a journal of mostly acknowledged messages on open, keeping what is live', async () => {
    const dir = await tempDir();
    const first = openQueue({ dataDir: dir, concurrency: 200 });
    const received: string[] = [];
    await first.queue.consume(acking(received));
    const count = 1_200;
    await Promise.all(
      Array.from({ length: count }, (_, index) =>
        first.queue.send(envelope(`m${index}`, { idempotencyKey: `k${index}` }), {
          delaySeconds: 0,
        }),
      ),
    );
    await waitUntil(() => received.length === count, { what: 'every message', intervalMs: 5 });
    await first.queue.send(envelope('pending'), { delaySeconds: 0.3 });
    await first.queue.close!();
    expect((await journalRecords(dir)).length).toBeGreaterThan(2 * count);

    const second = openQueue({ dataDir: dir });
    await second.queue.start!();
    const compacted = await journalRecords(dir);
    // Header, one key record per acknowledged message, and the pending message.
    expect(compacted.length).toBe(1 + count + 1);
    expect(compacted.filter((record) => record.t === 'sent')).toHaveLength(1);
    expect(
      await second.queue.send(envelope('dup', { idempotencyKey: 'k7' }), { delaySeconds: 0 }),
    ).toEqual({
      accepted: false,
    });
    const afterReopen: string[] = [];
    await second.queue.consume(acking(afterReopen));
    await waitUntil(() => afterReopen.length === 1, { what: 'the pending message', intervalMs: 5 });
    expect(afterReopen).toEqual(['pending']);
  });

  test('drops a record torn by a crash mid-append and keeps appending cleanly', async () => {
    const dir = await tempDir();
    const first = openQueue({ dataDir: dir });
    await first.queue.send(envelope('whole'), { delaySeconds: 0 });
    await first.queue.close!();
    await appendFile(join(dir, QUEUE_JOURNAL_FILE), '{"t":"sent","id":"qm_torn","at":1,"du');

    const second = openQueue({ dataDir: dir });
    await second.queue.send(envelope('after-crash'), { delaySeconds: 0 });
    const received: string[] = [];
    await second.queue.consume(acking(received));
    await waitUntil(() => received.length === 2, { what: 'both whole messages', intervalMs: 5 });
    expect(received.sort()).toEqual(['after-crash', 'whole']);
    expect(second.logs.some((entry) => /partial record/.test(entry.message))).toBe(true);
    await second.queue.close!();
    const lines = (await readFile(join(dir, QUEUE_JOURNAL_FILE), 'utf8'))
      .split('\n')
      .filter(Boolean);
    expect(() => lines.map((line) => JSON.parse(unframed(line)))).not.toThrow();
  });

  test('refuses a journal written by a newer format, saying what to upgrade', async () => {
    const dir = await tempDir();
    await writeFile(
      join(dir, QUEUE_JOURNAL_FILE),
      `${JSON.stringify({ t: 'journal', format: 99, at: 0 })}\n`,
    );
    const { queue } = openQueue({ dataDir: dir });
    await expect(queue.send(envelope('x'), { delaySeconds: 0 })).rejects.toThrow(
      /queue journal format 99 is newer .* upgrade @worldkit\/local/,
    );
  });
});
