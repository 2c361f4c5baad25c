import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger, QueueEnvelope } from '@worldkit/core';
import { testEnvelope } from '@worldkit/testing';
import { afterEach, expect, test } from 'vitest';
import { QueueEngine } from './queue-engine.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function envelope(messageId: string, idempotencyKey?: string): QueueEnvelope {
  return testEnvelope({
    messageId,
    deploymentId: 'unit',
    notBefore: 0,
    createdAt: 0,
    idempotencyKey,
  });
}

test('compacts the journal while running once it is mostly history, without losing state', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'worldkit-queue-engine-'));
  dirs.push(dir);
  const journalPath = join(dir, 'queue.journal.jsonl');
  const compaction = { onOpenMinRecords: Number.MAX_SAFE_INTEGER, onlineMinRecords: 40 };

  const first = new QueueEngine({ concurrency: 10, logger: quiet, journalPath, compaction });
  const acked: string[] = [];
  await first.addReceiver(async (raw) => {
    const id = (raw as QueueEnvelope).messageId;
    // Stays in flight until the engine closes, so it is still pending in the journal.
    if (id === 'hold') return new Promise<never>(() => {});
    acked.push(id);
    return { type: 'ack' };
  });
  await first.send(envelope('hold'), 0);
  const count = 60;
  for (let index = 0; index < count; index++) {
    await first.send(envelope(`done-${index}`, `key-${index}`), 0);
  }
  while (acked.length < count) await sleep(5);
  await sleep(50);

  const lines = (await readFile(journalPath, 'utf8')).split('\n').filter(Boolean);
  const written = 1 + (count + 1) + count; // header, sends, acks
  expect(lines.length).toBeLessThan(written);
  expect(lines.some((line) => JSON.parse(line.slice(0, line.lastIndexOf('\t'))).t === 'key')).toBe(
    true,
  );
  await first.close(Date.now() + 50);

  const second = new QueueEngine({ concurrency: 10, logger: quiet, journalPath, compaction });
  const delivered: string[] = [];
  await second.addReceiver(async (raw) => {
    delivered.push((raw as QueueEnvelope).messageId);
    return { type: 'ack' };
  });
  expect(await second.send(envelope('again', 'key-5'), 0)).toEqual({ accepted: false });
  while (delivered.length < 1) await sleep(5);
  await sleep(100);
  expect(delivered).toEqual(['hold']);
  await second.close(Date.now() + 1_000);
});
