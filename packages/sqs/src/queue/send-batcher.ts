import { SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type BatchEntryFailure, settleBatchEntries } from './batch-entry-failure.js';

/** SQS's limit on entries per SendMessageBatch. */
const MAX_ENTRIES = 10;
/** Bodies up to this size may share a batch; larger ones go alone, as before batching. */
const MAX_BATCHED_BODY_BYTES = 64 * 1024;
/** A batch's bodies stay under this total (SQS's limit for a whole batch is 256 KiB or more). */
const MAX_BATCH_BYTES = 192 * 1024;

interface PendingSend {
  body: string;
  bytes: number;
  delaySeconds: number;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Sends of one queue, sent together: those asked for in one turn of the event loop (a workflow
 * starting many steps at once) share a `SendMessageBatch` of up to 10, so a 100-way fan-out is
 * ten requests instead of a hundred. A send alone in its turn, or a large body, is a plain
 * `SendMessage` as before. Each caller still gets its own answer: an entry SQS failed rejects
 * with an error shaped like a single `SendMessage`'s (its `Code` as `name`, `$fault`, a status),
 * and a request that failed as a whole rejects every entry with its error.
 */
export class SendBatcher {
  #pending: PendingSend[] = [];
  #scheduled = false;

  constructor(
    private readonly client: () => SQSClient,
    private readonly queueUrl: () => Promise<string>,
  ) {}

  send(body: string, delaySeconds: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const bytes = Buffer.byteLength(body);
      this.#pending.push({ body, bytes, delaySeconds, resolve, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const pending = this.#pending;
    this.#pending = [];
    let batch: PendingSend[] = [];
    let batchBytes = 0;
    for (const entry of pending) {
      if (entry.bytes > MAX_BATCHED_BODY_BYTES) {
        void this.#send([entry]);
        continue;
      }
      if (batch.length === MAX_ENTRIES || batchBytes + entry.bytes > MAX_BATCH_BYTES) {
        void this.#send(batch);
        batch = [];
        batchBytes = 0;
      }
      batch.push(entry);
      batchBytes += entry.bytes;
    }
    if (batch.length > 0) void this.#send(batch);
  }

  async #send(batch: PendingSend[]): Promise<void> {
    const [only] = batch;
    if (batch.length === 1 && only) {
      await this.queueUrl()
        .then((QueueUrl) =>
          this.client().send(
            new SendMessageCommand({
              QueueUrl,
              MessageBody: only.body,
              DelaySeconds: only.delaySeconds,
            }),
          ),
        )
        .then(() => only.resolve(), only.reject);
      return;
    }
    let failures: BatchEntryFailure[] | undefined;
    try {
      const answer = await this.client().send(
        new SendMessageBatchCommand({
          QueueUrl: await this.queueUrl(),
          Entries: batch.map((entry, index) => ({
            Id: String(index),
            MessageBody: entry.body,
            DelaySeconds: entry.delaySeconds,
          })),
        }),
      );
      failures = answer.Failed;
    } catch (error) {
      for (const entry of batch) entry.reject(error);
      return;
    }
    settleBatchEntries(batch, failures, 'accept the message');
  }
}
