import {
  createConsoleLogger,
  createOutageReport,
  createRateLimitedWarning,
  type DeliveryOutcome,
  type QueueReceiver,
  type QueueTransport,
} from '@worldkit/core';
import { exponentialBackoff } from '@worldkit/provider';
import type { Job, JobsOptions, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { isConnectionTrouble } from '../connection-trouble.js';
import { closeClient, openCommandClient, type RedisHandle } from '../redis-client.js';
import {
  type RedisSettings,
  type ResolvedRedisSettings,
  resolveRedisSettings,
} from '../settings.js';
import { CorruptJobSweeper, isUnparsableJobError, RecentCompletions } from './corrupt-jobs.js';
import { claimHoldMs, IdempotencyKeys, idempotencyClaimOf } from './idempotency-keys.js';
import { jobIdForRedelivery, jobIdForSend } from './job-ids.js';

/** One BullMQ queue carries every workflow and step message; the envelope names its queue. */
export const BULLMQ_QUEUE_NAME = 'messages';
/** Failed jobs (dead letters) kept for `deadLetters()`; BullMQ trims older ones. */
export const MAX_DEAD_LETTERS = 10_000;
/**
 * When the receiver itself throws (core's delivery policy never should; a compute backend
 * that is down might), the message is not at fault: BullMQ retries the same job with a
 * capped backoff, about 50 minutes in all, before keeping it as a dead letter.
 */
export const RECEIVER_CRASH_ATTEMPTS = 100;
const RECEIVER_BACKOFF_BASE_MS = 250;
const RECEIVER_BACKOFF_MAX_MS = 30_000;
const RECEIVER_BACKOFF_TYPE = 'worldkit-receiver';
/**
 * How often a job whose worker vanished (lock expired) is handed out again before BullMQ
 * gives up and fails it. A Redis outage or a crash also stalls jobs, and a job failed here
 * leaves its run with nothing to continue it, so the bound is generous: it only has to stop
 * a poison message that crashes the process every time.
 */
const MAX_STALLED_COUNT = 20;

type BullMQ = typeof import('bullmq');

interface Connected {
  bullmq: BullMQ;
  redis: RedisHandle;
  queue: Queue;
}

export type BullmqQueueSettings = RedisSettings;

/**
 * A queue transport on BullMQ: one Queue and (after `consume`) one Worker with bounded
 * concurrency. Delays are native BullMQ delays (no maximum); each redelivery is stored as a
 * new delayed job; dead letters are BullMQ failed jobs. Creating it is synchronous and free
 * of I/O: BullMQ and ioredis load and connect on the first send or `consume`.
 */
export function createBullmqQueue(
  settings: BullmqQueueSettings | ResolvedRedisSettings = {},
): QueueTransport {
  // Resolving is idempotent, so already-resolved settings (from the provider) pass through.
  const resolved = resolveRedisSettings(settings);
  const logger = resolved.logger ?? createConsoleLogger();
  const closedError = () => new Error('@worldkit/redis: the BullMQ queue is closed');
  // BullMQ re-emits every failed reconnect of its connections as an `error` event on the
  // Queue and on the Worker; each gets one line per outage, like the connections themselves.
  const queueOutage = createOutageReport({ backend: 'BullMQ queue (Redis)', logger });
  const workerOutage = createOutageReport({ backend: 'BullMQ worker (Redis)', logger });

  let connecting: Promise<Connected> | undefined;
  let worker: Worker | undefined;
  let closing: Promise<void> | undefined;

  const connect = (): Promise<Connected> => {
    connecting ??= (async () => {
      const [bullmq, redis] = await Promise.all([
        import('bullmq') as Promise<BullMQ>,
        openCommandClient(resolved, logger, 'worldkit-bullmq'),
      ]);
      const queue = new bullmq.Queue(BULLMQ_QUEUE_NAME, {
        connection: redis.client,
        prefix: resolved.prefix,
      });
      queue.on('error', (error: Error) => {
        if (isConnectionTrouble(error)) queueOutage.failed('queue', error);
        else logger.warn('BullMQ queue error', { error: error.message });
      });
      // The Queue's only connection is ours, so it is back when that connection is ready.
      redis.client.on('ready', () => queueOutage.succeeded());
      return { bullmq, redis, queue };
    })();
    // A failed first connection (e.g. bullmq missing) is retried by the next call.
    connecting.catch(() => {
      connecting = undefined;
    });
    return connecting;
  };
  const client = async (): Promise<Redis> => (await connect()).redis.client;
  const keys = new IdempotencyKeys(client, resolved.prefix, claimHoldMs(resolved.lockDurationMs));

  const jobOptions = (jobId: string | undefined, delaySeconds: number): JobsOptions => ({
    jobId,
    // Never early: the composer's notBefore check redelivers anything more than 1 s early.
    delay: Math.max(0, Math.ceil(delaySeconds * 1000)),
    removeOnComplete: true,
    removeOnFail: { count: MAX_DEAD_LETTERS },
    attempts: RECEIVER_CRASH_ATTEMPTS,
    backoff: { type: RECEIVER_BACKOFF_TYPE },
  });

  const jobName = (envelope: unknown) => {
    const queueName = (envelope as { queueName?: unknown } | null)?.queueName;
    return typeof queueName === 'string' ? queueName : 'malformed';
  };

  const send: QueueTransport['send'] = async (envelope, options) => {
    if (closing) throw closedError();
    const { queue } = await connect();
    const delayMs = Math.max(0, Math.ceil(options.delaySeconds * 1000));
    const claim = idempotencyClaimOf(envelope);
    if (claim && !(await keys.claim(claim.key, claim.messageId))) {
      return { accepted: false };
    }
    try {
      await queue.add(
        jobName(envelope),
        envelope,
        jobOptions(jobIdForSend(envelope), options.delaySeconds),
      );
    } catch (error) {
      if (claim) await keys.release(claim.key, claim.messageId).catch(() => undefined);
      throw error;
    }
    queueOutage.succeeded();
    // Stored: from now on the key is held for as long as the message is pending. If this
    // fails the claim lapses soon, and a duplicate send is absorbed by the delivery policy.
    if (claim) {
      await keys.hold(claim.key, claim.messageId, delayMs).catch(() => undefined);
    }
    return { accepted: true };
  };

  /** Carries out what the receiver decided; throwing hands the job back to BullMQ. */
  const carryOut = async (connected: Connected, job: Job, outcome: DeliveryOutcome) => {
    const claim = idempotencyClaimOf(job.data);
    switch (outcome?.type) {
      case 'ack':
        // The job completes (and is removed) when the processor returns.
        if (claim) {
          await keys.settle(claim.key, claim.messageId).catch((error: Error) =>
            logger.warn('could not settle an idempotency key; it expires on its own', {
              key: claim.key,
              error: error.message,
            }),
          );
        }
        return;
      case 'redeliver': {
        const next = outcome.envelope;
        await connected.queue.add(
          jobName(next),
          next,
          jobOptions(jobIdForRedelivery(job.id, next), outcome.delaySeconds),
        );
        const nextClaim = idempotencyClaimOf(next);
        if (nextClaim) {
          await keys
            .hold(nextClaim.key, nextClaim.messageId, outcome.delaySeconds * 1000)
            .catch(() => undefined);
        }
        return;
      }
      case 'dead-letter':
        if (claim) await keys.release(claim.key, claim.messageId).catch(() => undefined);
        // Fails the job at once whatever its attempts: BullMQ keeps it in its failed set.
        throw new connected.bullmq.UnrecoverableError(String(outcome.reason));
      default:
        throw new Error(`receiver returned no delivery outcome (${JSON.stringify(outcome)})`);
    }
  };

  const consume: QueueTransport['consume'] = async (receiver: QueueReceiver) => {
    if (closing) throw closedError();
    if (worker) throw new Error('consume() was already called on this BullMQ queue');
    const connected = await connect();
    if (closing) throw closedError();
    const processor = async (job: Job) => {
      let outcome: DeliveryOutcome;
      try {
        outcome = await receiver(job.data);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        logger.error('the queue receiver threw; the delivery will be retried', {
          jobId: job.id,
          error: message,
        });
        throw new Error(`receiver failed: ${message}`);
      }
      await carryOut(connected, job, outcome);
    };
    worker = new connected.bullmq.Worker(BULLMQ_QUEUE_NAME, processor, {
      connection: connected.redis.client,
      prefix: resolved.prefix,
      concurrency: resolved.concurrency,
      maxStalledCount: MAX_STALLED_COUNT,
      // A dead process' jobs come back once their lock lapsed AND a stalled check ran: with
      // both at one duration, within about twice `lockDurationMs` of the crash.
      lockDuration: resolved.lockDurationMs,
      stalledInterval: resolved.lockDurationMs,
      settings: {
        backoffStrategy: (attemptsMade: number) =>
          exponentialBackoff(attemptsMade, {
            base: RECEIVER_BACKOFF_BASE_MS,
            max: RECEIVER_BACKOFF_MAX_MS,
          }),
      },
    });
    // BullMQ reports connection trouble and late completions (after a bounded close) as
    // `error` events; an EventEmitter without a listener would crash the process instead.
    const started = worker;
    // Errors of single jobs (e.g. "Missing key for job … moveToFinished" after Redis lost its
    // data) come one per job in flight; a rate-limited warning keeps them from burying the rest.
    const workerErrors = createRateLimitedWarning(logger, 'BullMQ worker error');
    // A job whose stored data or options are not JSON fails to parse after BullMQ made it
    // active, where no processor sees it; the sweeper dead-letters it (and warns) instead.
    const corruptJobs = new CorruptJobSweeper(
      connected.redis.client,
      connected.queue,
      logger,
      (data) => {
        const claim = idempotencyClaimOf(data);
        if (claim) void keys.release(claim.key, claim.messageId).catch(() => undefined);
      },
    );
    const completions = new RecentCompletions();
    const sweepCorruptJobs = (error: Error) => {
      corruptJobs.sweep().then(
        (failed) => {
          if (failed > 0 || closing) logger.debug('BullMQ worker error', { error: error.message });
          else workerErrors.warn({ error: error.message });
        },
        (sweepError: Error) =>
          workerErrors.warn({ error: error.message, sweep: sweepError.message }),
      );
    };
    started.on('error', (error: Error) => {
      if (closing) logger.debug('BullMQ worker error', { error: error.message });
      else if (isConnectionTrouble(error)) workerOutage.failed('worker', error);
      else if (isUnparsableJobError(error)) sweepCorruptJobs(error);
      else if (completions.isLateErrorOf(error)) {
        logger.debug('BullMQ worker error about a job it completed', { error: error.message });
      } else workerErrors.warn({ error: error.message });
    });
    // The Worker has two connections (commands, and a blocking one for waiting on jobs); it
    // is back once both are ready again, or as soon as it finishes a job.
    started.backend.on('ready', () => {
      void workerConnectionsReady(started).then(
        (ready) => ready && workerOutage.succeeded(),
        () => undefined,
      );
    });
    started.on('completed', (job: Job) => {
      completions.add(job.id);
      workerOutage.succeeded();
    });
    worker.on('failed', (job: Job | undefined, error: Error) => {
      // `finishedOn` is set only when BullMQ stops retrying: the job is now a dead letter
      // (dead-lettered by the receiver, or given up after receiver crashes or stalls).
      if (!job || job.finishedOn === undefined) return;
      const claim = idempotencyClaimOf(job.data);
      if (claim) void keys.release(claim.key, claim.messageId).catch(() => undefined);
      logger.debug('a queue message is kept as a dead letter', {
        jobId: job.id,
        reason: error.message,
      });
    });
  };

  const deadLetters: NonNullable<QueueTransport['deadLetters']> = async () => {
    const { queue } = await connect();
    const failed = (await queue.getFailed(0, -1)) as Job[];
    return failed
      .map((job) => ({
        envelope: job.data as unknown,
        reason: job.failedReason,
        at: job.finishedOn ?? job.processedOn ?? job.timestamp,
      }))
      .sort((a, b) => a.at - b.at);
  };

  const close = () => {
    closing ??= (async () => {
      if (!connecting) return;
      const connected = await connecting.catch(() => undefined);
      if (!connected) return;
      if (worker) {
        const stopped = await withinMs(worker.close(), resolved.closeTimeoutMs);
        if (!stopped) {
          logger.warn(
            'closed the BullMQ worker with deliveries still running; BullMQ hands them out again once their lock expires',
            { closeTimeoutMs: resolved.closeTimeoutMs },
          );
        }
      }
      await withinMs(connected.queue.close(), 2_000);
      if (connected.redis.owned) await closeClient(connected.redis.client);
    })();
    return closing;
  };

  return { kind: 'transport', send, consume, deadLetters, close };
}

/** Whether both Redis connections of `worker` (commands, blocking waits) are ready. */
async function workerConnectionsReady(worker: Worker): Promise<boolean> {
  const clients = await Promise.all([worker.backend.client, worker.backend.blockingClient]);
  return clients.every((client) => client === undefined || client.status === 'ready');
}

/** Resolves true if `promise` settled within `ms`, false otherwise (it keeps running). */
async function withinMs(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
