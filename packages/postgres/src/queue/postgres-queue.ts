import { randomUUID } from 'node:crypto';
import {
  createOutageReport,
  type DeliveryOutcome,
  type Logger,
  type QueueEnvelope,
  type QueueReceiver,
  type QueueTransport,
  resolveSetting,
  WorldkitConfigError,
} from '@worldkit/core';
import { ulid } from 'ulid';
import { z } from 'zod';
import { preparedQuery } from '../connection/prepared-statements.js';
import { lazyConnection } from '../connection/shared-pool.js';
import { notifyChannel } from '../connection/table-names.js';
import { PACKAGE_NAME, type PostgresSettings, resolvePostgresSettings } from '../settings.js';
import { holdLease } from './delivery-lease.js';
import { retryOutcome } from './outcome-retry.js';
import { queueStatements } from './queue-statements.js';
import { reportedQueries } from './reported-queries.js';

export interface PostgresQueueSettings extends PostgresSettings {
  /** Most handlers this process runs at once (env `WORLDKIT_POSTGRES_QUEUE_CONCURRENCY`, default 10). */
  concurrency?: number;
  /** How often an idle consumer looks for due messages when no NOTIFY arrives, in ms (default 1000). */
  pollIntervalMs?: number;
  /**
   * Seconds a claimed message stays invisible to other workers (default 30). A live handler's
   * lease is extended every third of this; a crashed worker's messages come back after it.
   */
  visibilityTimeoutSeconds?: number;
  /** How long an acknowledged message's idempotency key keeps dropping duplicates, in ms (default 5 min). */
  idempotencyRetentionMs?: number;
  /**
   * Claim only messages for these versions (asked before every claim). Default: every version,
   * right for HTTP compute, which can reach any version's address. With in-process compute and
   * several versions in separate processes on one database, pass `loadedDeployments` from
   * `@worldkit/core`, so a process never takes messages for code it has not loaded.
   */
  deployments?: () => readonly string[];
}

export type PostgresQueue = QueueTransport & {
  /** Most handler calls at once (the `concurrency` setting, default 10). */
  readonly concurrency: number;
  start(): Promise<void>;
  close(): Promise<void>;
};

/** A handler whose receiver threw is retried after this many seconds (the receiver normally never throws). */
const RECEIVER_ERROR_RETRY_SECONDS = 5;
const OUTCOME_TYPES = new Set<string>(['ack', 'redeliver', 'dead-letter']);
const KEY_CLEANUP_INTERVAL_MS = 60_000;
/**
 * How long close() lets outcome writes that failed keep retrying. A message whose outcome is
 * not written in time is not lost: its lease runs out and it is delivered again.
 */
const CLOSE_OUTCOME_RETRY_MS = 2_000;

const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * A durable queue transport in PostgreSQL (see the queue rules in docs/contract.md). Messages are rows due at
 * `run_at` (delays of any length, no chaining needed); workers lease due rows with
 * `FOR UPDATE SKIP LOCKED`, wake on NOTIFY or a poll, and carry out the composer's outcome:
 * delete (ack), reschedule (redeliver) or move to the dead-letter table.
 */
export function createPostgresQueue(
  settings: PostgresQueueSettings = {},
  logger: Logger = silentLogger,
): PostgresQueue {
  const resolved = resolvePostgresSettings(settings);
  const concurrency = resolveSetting(
    {
      packageName: PACKAGE_NAME,
      option: 'concurrency',
      envVar: 'WORLDKIT_POSTGRES_QUEUE_CONCURRENCY',
      schema: z.coerce.number().int().positive(),
      expected: 'a positive integer',
    },
    settings.concurrency,
    10,
  );
  const pollIntervalMs = positive(settings.pollIntervalMs, 1_000, 'pollIntervalMs');
  const leaseSeconds = positive(settings.visibilityTimeoutSeconds, 30, 'visibilityTimeoutSeconds');
  const retentionMs = positive(
    settings.idempotencyRetentionMs,
    5 * 60_000,
    'idempotencyRetentionMs',
  );
  const connection = lazyConnection(resolved);
  const channel = notifyChannel(resolved.schema, 'queue');

  let loop: Promise<void> | undefined;
  let stopping = false;
  /** When close() began, while it runs: bounds the outcome retries it waits for. */
  let closingAt: number | undefined;
  let wake: (() => void) | undefined;
  let signalled = false;
  let unsubscribe: (() => Promise<void>) | undefined;
  const inFlight = new Set<Promise<void>>();
  const signal = () => {
    signalled = true;
    wake?.();
  };

  const statements = () => queueStatements(connection.get().tables);
  const outage = createOutageReport({ backend: 'PostgreSQL queue', logger });
  // Only the consumer's own queries are reported here; send() and deadLetters() reject to
  // their caller, who decides what to say.
  const consumerQueries = reportedQueries(() => connection.get().pool, outage);
  const query = consumerQueries.query;

  async function send(envelope: QueueEnvelope, options: { delaySeconds: number }) {
    const { pool } = await connection.ready();
    const sql = statements();
    // Whatever arrives is stored, even a malformed envelope: the receiver dead-letters it with
    // a reason, which beats losing it at the door.
    const fields = (
      typeof envelope === 'object' && envelope !== null ? envelope : {}
    ) as Partial<QueueEnvelope>;
    const values = [
      typeof fields.messageId === 'string' && fields.messageId ? fields.messageId : `msg_${ulid()}`,
      typeof fields.queueName === 'string' ? fields.queueName : '',
      typeof fields.deploymentId === 'string' ? fields.deploymentId : '',
      JSON.stringify(envelope),
      Math.max(0, options.delaySeconds),
      channel,
    ];
    const result =
      typeof fields.idempotencyKey === 'string' && fields.idempotencyKey
        ? await preparedQuery(pool, sql.sendWithKey, [
            ...values,
            fields.idempotencyKey,
            retentionMs,
          ])
        : await preparedQuery(pool, sql.send, values);
    return { accepted: (result.rowCount ?? 0) > 0 };
  }

  async function handle(
    receiver: QueueReceiver,
    messageId: string,
    text: string,
    token: string,
    claimedAt: number,
  ): Promise<DeliveryOutcome['type']> {
    const sql = statements();
    // The lease is kept alive until the outcome is written, not just while the receiver runs:
    // a write retried through an outage must not race another worker claiming the message.
    const lease = holdLease(
      async () =>
        ((await query('extend lease', sql.extendLease, [messageId, token, leaseSeconds]))
          .rowCount ?? 0) > 0,
      leaseSeconds,
      claimedAt,
    );
    try {
      const outcome = await runReceiver(receiver, messageId, text);
      const decidedAt = Date.now();
      // Every outcome write is conditional on this delivery's lease token (queue-statements.ts:
      // ack and dead-letter delete `WHERE lease_token = $2`, redeliver sets it to NULL), so
      // retrying a write that in fact committed before its connection failed matches no row
      // and changes nothing.
      const recorded = await retryOutcome(
        () => writeOutcome(outcome, messageId, token, decidedAt),
        {
          deadline: () =>
            closingAt === undefined
              ? lease.expiresAt()
              : Math.min(lease.expiresAt(), closingAt + CLOSE_OUTCOME_RETRY_MS),
        },
      );
      if (!recorded) {
        logger.debug('postgres queue gave up writing a delivery outcome; the message comes back', {
          messageId,
          outcome: outcome.type,
        });
      }
      return outcome.type;
    } finally {
      lease.release();
    }
  }

  async function runReceiver(
    receiver: QueueReceiver,
    messageId: string,
    text: string,
  ): Promise<DeliveryOutcome> {
    try {
      const outcome = await receiver(parseEnvelope(text));
      // Anything but a known outcome would fail every write attempt while the lease is kept
      // alive for it — the message would never come back. It is a failed delivery instead.
      if (!OUTCOME_TYPES.has((outcome as Partial<DeliveryOutcome> | undefined)?.type ?? '')) {
        throw new Error(`the receiver returned no delivery outcome (${JSON.stringify(outcome)})`);
      }
      return outcome;
    } catch (error) {
      logger.error('postgres queue receiver threw; retrying the message later', {
        messageId,
        error: error instanceof Error ? error.message : String(error),
      });
      return {
        type: 'redeliver',
        // As received: a row that is not JSON is retried as the same text, never lost to a parse error here.
        envelope: parseEnvelope(text) as QueueEnvelope,
        delaySeconds: RECEIVER_ERROR_RETRY_SECONDS,
      };
    }
  }

  async function writeOutcome(
    outcome: DeliveryOutcome,
    messageId: string,
    token: string,
    decidedAt: number,
  ) {
    const sql = statements();
    switch (outcome.type) {
      case 'ack':
        await query('ack', sql.ack, [messageId, token]);
        return;
      case 'redeliver':
        await query('redeliver', sql.redeliver, [
          messageId,
          token,
          JSON.stringify(outcome.envelope),
          // The delay counts from the receiver's decision, not from a write retried after an outage.
          Math.max(0, outcome.delaySeconds - (Date.now() - decidedAt) / 1000),
        ]);
        return;
      case 'dead-letter':
        await query('dead-letter', sql.deadLetter, [messageId, token, outcome.reason]);
        return;
    }
  }

  /**
   * Keeps a delivery in the in-flight set until its outcome is written. The claim loop is woken
   * afterwards only when it may be waiting for this delivery: it was at capacity, or the
   * message is due again at a time the loop has not seen (redelivered, or its outcome was not
   * written). New messages wake it by NOTIFY, so an ack alone costs no extra claim.
   */
  function track(work: Promise<DeliveryOutcome['type']>) {
    const settled: Promise<void> = work
      .catch((error: unknown) => {
        // Not a database failure (those are retried and reported above): the lease runs out
        // and the message comes back; nothing is lost.
        logger.warn('postgres queue could not finish a delivery; it comes back after its lease', {
          error: error instanceof Error ? error.message : String(error),
        });
        return undefined;
      })
      .then((outcome) => {
        const wasFull = inFlight.size >= concurrency;
        inFlight.delete(settled);
        if (wasFull || outcome !== 'ack') signal();
      });
    inFlight.add(settled);
  }

  async function run(receiver: QueueReceiver) {
    await connection.ready();
    const sql = statements();
    let lastKeyCleanup = 0;
    while (!stopping) {
      let waitMs = pollIntervalMs;
      try {
        signalled = false;
        const capacity = concurrency - inFlight.size;
        if (capacity > 0) {
          const token = randomUUID();
          const only = settings.deployments ? [...settings.deployments()] : null;
          const claimedAt = Date.now();
          const answer = await query<{
            message_id: string | null;
            envelope: string;
            wait_ms: number | null;
          }>('claim', sql.claim, [capacity, token, leaseSeconds, only]);
          const claimed = answer.rows.filter(
            (row): row is typeof row & { message_id: string } => row.message_id !== null,
          );
          if (stopping) {
            // Claimed while closing: hand them straight back instead of running them.
            for (const row of claimed) {
              await query('hand back', sql.redeliver, [row.message_id, token, row.envelope, 0]);
            }
            break;
          }
          for (const row of claimed)
            track(handle(receiver, row.message_id, row.envelope, token, claimedAt));
          if (claimed.length === capacity) continue;
          const dueIn = answer.rows.find((row) => row.message_id === null)?.wait_ms;
          if (dueIn !== null && dueIn !== undefined) waitMs = Math.min(waitMs, Math.ceil(dueIn));
        }
        if (Date.now() - lastKeyCleanup > KEY_CLEANUP_INTERVAL_MS) {
          lastKeyCleanup = Date.now();
          await query('key cleanup', sql.forgetSettledKeys, [retentionMs]);
        }
      } catch (error) {
        // A failed query is already in the outage report; anything else (say, a throwing
        // `deployments`) is logged here. Either way the next poll tries again.
        if (!consumerQueries.reported(error)) {
          logger.warn('postgres queue poll failed; retrying', {
            error: error instanceof Error ? error.message : String(error),
          });
        }
      }
      if (!signalled && !stopping) await sleepUnlessWoken(waitMs);
    }
  }

  function sleepUnlessWoken(ms: number) {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });
  }

  return {
    kind: 'transport',
    concurrency,
    send,
    async consume(receiver) {
      if (loop) throw new Error(`${PACKAGE_NAME}: consume() was already called on this queue`);
      stopping = false;
      closingAt = undefined;
      const ready = await connection.ready();
      const hub = ready.notifications();
      // The default logger is silent; only a real one may claim the shared hub's reports.
      if (logger !== silentLogger) hub.reportTo(logger);
      unsubscribe = await hub.subscribe(channel, signal);
      loop = run(receiver);
    },
    async deadLetters() {
      const { pool } = await connection.ready();
      const result = await pool.query<{ envelope: string; reason: string; dead_at: Date }>(
        statements().listDeadLetters,
      );
      return result.rows.map((row) => ({
        envelope: parseEnvelope(row.envelope),
        reason: row.reason,
        at: row.dead_at.getTime(),
      }));
    },
    async start() {
      await connection.ready();
    },
    async close() {
      stopping = true;
      closingAt = Date.now();
      wake?.();
      await loop;
      loop = undefined;
      // Handlers already running finish and record their outcome before the pool goes away;
      // a write failing against an unreachable database retries for CLOSE_OUTCOME_RETRY_MS at most.
      while (inFlight.size > 0) await Promise.all([...inFlight]);
      closingAt = undefined;
      await unsubscribe?.();
      unsubscribe = undefined;
      await connection.close();
    },
  };
}

/** The stored envelope text; a row that is not JSON goes to the receiver as-is and is dead-lettered there. */
function parseEnvelope(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function positive(value: number | undefined, fallback: number, option: string): number {
  if (value === undefined) return fallback;
  if (!(Number.isFinite(value) && value > 0)) {
    throw new WorldkitConfigError(
      [{ key: option, expected: 'a positive number', received: String(value) }],
      `${PACKAGE_NAME} options`,
    );
  }
  return value;
}
