import type { DeliveryOutcome, QueueEnvelope } from '@worldkit/core';
import { type RestartableServer, startPostgresServer } from '@worldkit/test-servers';
import { recordingLogger, testEnvelope } from '@worldkit/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresQueue } from './postgres-queue.js';

let server: RestartableServer;
beforeAll(async () => {
  server = await startPostgresServer();
});
afterAll(async () => {
  await server?.stop();
});

/**
 * Resolves once `send()` has returned. The consumer can claim the row between send's INSERT
 * and its NOTIFY; stopping the server before send finished would fail send, not the outcome.
 */
function sendSignal() {
  let done!: () => void;
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  return { finished, done };
}

const envelope = (messageId: string) =>
  testEnvelope({ messageId, queueName: '__wkf_workflow_outage', deploymentId: 'v1', body: 'e30=' });

/** Messages still stored (not acknowledged), read over a connection of its own. */
async function messagesLeft(schema: string): Promise<number> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    const result = await client.query(`SELECT count(*)::int AS n FROM ${schema}.queue_messages`);
    return result.rows[0].n;
  } finally {
    await client.end();
  }
}

describe('outcome writes through a database outage', () => {
  it('records the outcome soon after the database is back, not when the 30 s lease runs out', async () => {
    const logger = recordingLogger();
    const schema = 'outcome_retry';
    // visibilityTimeoutSeconds left at its default of 30 s: a given-up write would show as the
    // message still being there 30 s later, far past the bound below.
    const queue = createPostgresQueue(
      { connectionString: server.url, schema, pollIntervalMs: 100 },
      logger,
    );
    const deliveries: string[] = [];
    let outageBegun!: () => void;
    const begun = new Promise<void>((resolve) => {
      outageBegun = resolve;
    });
    const sent = sendSignal();
    await queue.consume(async (received): Promise<DeliveryOutcome> => {
      deliveries.push((received as QueueEnvelope).messageId);
      await sent.finished;
      // The database goes away while the handler runs, so its outcome write hits the outage.
      await server.stopServer();
      outageBegun();
      return { type: 'ack' };
    });
    await queue.send(envelope('msg_outage_1'), { delaySeconds: 0 });
    sent.done();
    await begun;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await server.startAgain();
    const backAt = Date.now();
    await expect
      .poll(() => messagesLeft(schema).catch(() => -1), { timeout: 10_000, interval: 100 })
      .toBe(0);
    const recordedAfterMs = Date.now() - backAt;
    expect(recordedAfterMs).toBeLessThan(10_000);
    await queue.close();

    expect(deliveries).toEqual(['msg_outage_1']);
    // The queue's own lines: one warning for the outage, one line when the database is back.
    // (The shared LISTEN connection reports the same outage under its own name, once.)
    const lines = (backend: string) =>
      logger.lines
        .filter((line) => line.message.startsWith(backend))
        .map(({ level, message }) => ({ level, message }));
    const queueLines = lines('PostgreSQL queue');
    expect(queueLines.filter((line) => line.level !== 'debug')).toEqual([
      {
        level: 'warn',
        message: expect.stringContaining('PostgreSQL queue is unreachable') as string,
      },
      { level: 'info', message: 'PostgreSQL queue is reachable again' },
    ]);
    const otherWarnings = logger.lines.filter(
      (line) =>
        (line.level === 'warn' || line.level === 'error') &&
        !line.message.startsWith('PostgreSQL queue'),
    );
    expect(otherWarnings.map((line) => line.message)).toEqual([
      expect.stringContaining('PostgreSQL LISTEN connection is unreachable') as string,
    ]);
  }, 30_000);

  it('close() stops retrying an outcome write after a bounded time while the database is down', async () => {
    const schema = 'outcome_close';
    const queue = createPostgresQueue(
      { connectionString: server.url, schema, pollIntervalMs: 100 },
      recordingLogger(),
    );
    let outageBegun!: () => void;
    const begun = new Promise<void>((resolve) => {
      outageBegun = resolve;
    });
    const sent = sendSignal();
    await queue.consume(async (): Promise<DeliveryOutcome> => {
      await sent.finished;
      await server.stopServer();
      outageBegun();
      return { type: 'ack' };
    });
    await queue.send(envelope('msg_close_1'), { delaySeconds: 0 });
    sent.done();
    await begun;
    const closeStartedAt = Date.now();
    try {
      await queue.close();
      // The outcome write retries for 2 s after close() begins, then gives up.
      expect(Date.now() - closeStartedAt).toBeLessThan(6_000);
    } finally {
      await server.startAgain();
    }
    // Given up, not lost: the message is still stored and comes back when its lease (30 s)
    // runs out. Polled: right after startAgain() the server may still say it is starting up.
    await expect
      .poll(() => messagesLeft(schema).catch(() => -1), { timeout: 10_000, interval: 100 })
      .toBe(1);
  }, 30_000);
});
