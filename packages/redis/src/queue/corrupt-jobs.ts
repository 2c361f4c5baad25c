import { createRateLimitedWarning, type Logger } from '@worldkit/core';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/** The job hash fields BullMQ parses as JSON before a job reaches the processor. */
const JSON_FIELDS = ['data', 'opts'] as const;

/**
 * Fails one corrupt job at once, if it is still active and still holds the text it was judged
 * on: takes it off the active list, frees its lock, stores parseable replacements (so BullMQ and
 * `deadLetters()` can read the job again), and adds it to the failed set with the reason. The
 * `LREM` makes it happen once, whichever process sweeps first.
 *
 * KEYS: active, stalled, failed, events, job hash, job lock.
 * ARGV: job id, reason, timestamp, then field, stored text, replacement for each corrupt field.
 */
const FAIL_CORRUPT_JOB = `
for i = 4, #ARGV, 3 do
  if redis.call('HGET', KEYS[5], ARGV[i]) ~= ARGV[i + 1] then return 0 end
end
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[6])
for i = 4, #ARGV, 3 do
  redis.call('HSET', KEYS[5], ARGV[i], ARGV[i + 2])
end
redis.call('HSET', KEYS[5], 'failedReason', ARGV[2], 'finishedOn', ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
redis.call('XADD', KEYS[4], '*', 'event', 'failed', 'jobId', ARGV[1], 'failedReason', ARGV[2], 'prev', 'active')
return 1`;

/** Whether `error` is what BullMQ throws when a stored job is not JSON (`JSON.parse`). */
export function isUnparsableJobError(error: unknown): boolean {
  return error instanceof SyntaxError || (error as Error | undefined)?.name === 'SyntaxError';
}

/** How many completed job ids are remembered for `isLateErrorOfCompletedJob`. */
const REMEMBERED_COMPLETIONS = 256;

/**
 * Job ids the Worker completed last. When BullMQ fetches the next job as it completes one and
 * that next job is corrupt, the parse error makes BullMQ also try to fail (retry) the job it just
 * completed, which no longer exists: a "Missing key for job <id>" error that says nothing about
 * the completed job, which was delivered and acknowledged.
 */
export class RecentCompletions {
  readonly #ids = new Set<string>();

  add(jobId: string | undefined): void {
    if (jobId === undefined) return;
    this.#ids.add(jobId);
    if (this.#ids.size > REMEMBERED_COMPLETIONS) {
      const oldest = this.#ids.values().next().value;
      if (oldest !== undefined) this.#ids.delete(oldest);
    }
  }

  /** Whether `error` is BullMQ failing to move a job that this Worker completed. */
  isLateErrorOf(error: Error): boolean {
    const jobId = /^Missing (?:key|lock) for job (.+)\. \w+$/.exec(error.message)?.[1];
    return jobId !== undefined && this.#ids.has(jobId);
  }
}

interface CorruptField {
  field: (typeof JSON_FIELDS)[number];
  stored: string;
  error: string;
}

/**
 * Dead-letters jobs whose stored `data` or `opts` is not JSON (written by another program, or
 * damaged). BullMQ moves such a job to active and only then fails to parse it, outside any
 * job's processing: without this it is never processed, never failed, and handed out again
 * after every stalled check. A sweep of the active list (short: the jobs being delivered) runs
 * whenever the Worker reports a parse error; each corrupt job is failed once, with its text
 * kept as the dead letter's envelope, and reported in one rate-limited warning.
 */
export class CorruptJobSweeper {
  private running: Promise<number> | undefined;
  private again = false;
  private readonly warning: ReturnType<typeof createRateLimitedWarning>;

  constructor(
    private readonly client: Redis,
    private readonly queue: Queue,
    logger: Logger,
    /** Called with the stored envelope of each job dead-lettered whose data was still JSON. */
    private readonly onDeadLettered: (data: unknown) => void = () => undefined,
  ) {
    this.warning = createRateLimitedWarning(
      logger,
      'dead-lettered a corrupt BullMQ job (its stored data or options are not JSON)',
    );
  }

  /** Sweeps now (or once more after the sweep running); resolves to how many it failed. */
  sweep(): Promise<number> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = async (): Promise<number> => {
      let failed = 0;
      do {
        this.again = false;
        failed += await this.sweepOnce();
      } while (this.again);
      return failed;
    };
    this.running = run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async sweepOnce(): Promise<number> {
    const keys = this.queue.keys;
    const active = await this.client.lrange(keys.active, 0, -1);
    let failed = 0;
    for (const jobId of active) {
      const jobKey = this.queue.toKey(jobId);
      const stored = await this.client.hmget(jobKey, ...JSON_FIELDS);
      const corrupt: CorruptField[] = [];
      JSON_FIELDS.forEach((field, index) => {
        const text = stored[index];
        if (text === null || text === undefined) return;
        try {
          JSON.parse(text);
        } catch (error) {
          corrupt.push({ field, stored: text, error: (error as Error).message });
        }
      });
      if (corrupt.length === 0) continue;
      const reason = `corrupt job: ${corrupt
        .map(({ field, error }) => `its ${field} is not JSON (${error})`)
        .join('; ')}`;
      const args: string[] = [jobId, reason, String(Date.now())];
      for (const { field, stored: text } of corrupt) {
        // Unreadable data is kept as text (the dead letter's envelope); options are reset.
        args.push(field, text, field === 'data' ? JSON.stringify(text) : '{}');
      }
      const done = await this.client.eval(
        FAIL_CORRUPT_JOB,
        6,
        keys.active,
        keys.stalled,
        keys.failed,
        keys.events,
        jobKey,
        `${jobKey}:lock`,
        ...args,
      );
      if (done !== 1) continue;
      failed++;
      this.warning.warn({ jobId, reason });
      const data = stored[0];
      if (data && !corrupt.some(({ field }) => field === 'data')) {
        this.onDeadLettered(JSON.parse(data));
      }
    }
    return failed;
  }
}
