import { DeleteMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type BatchEntryFailure, settleBatchEntries } from './batch-entry-failure.js';

/** SQS's limit on entries per DeleteMessageBatch. */
const MAX_ENTRIES = 10;

interface PendingDelete {
  receiptHandle: string;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Deletes of received messages, sent together: those asked for in one turn of the event loop
 * share a `DeleteMessageBatch` (up to 10 each), so a consumer finishing many deliveries at once
 * sends one request per ten instead of one per message. Each caller still gets its own answer:
 * an entry SQS failed rejects with an error shaped like a single `DeleteMessage`'s (its `Code`
 * as `name`, `$fault` and a 400 status), so callers classify it the same way; a request that
 * failed as a whole rejects every entry with its error.
 */
export class DeleteBatcher {
  #pending: PendingDelete[] = [];
  #scheduled = false;

  constructor(
    private readonly client: () => SQSClient,
    private readonly queueUrl: string,
  ) {}

  delete(receiptHandle: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ receiptHandle, resolve, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const pending = this.#pending;
    this.#pending = [];
    for (let next = 0; next < pending.length; next += MAX_ENTRIES) {
      void this.#send(pending.slice(next, next + MAX_ENTRIES));
    }
  }

  async #send(batch: PendingDelete[]): Promise<void> {
    let failures: BatchEntryFailure[] | undefined;
    try {
      const answer = await this.client().send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: batch.map((entry, index) => ({
            Id: String(index),
            ReceiptHandle: entry.receiptHandle,
          })),
        }),
      );
      failures = answer.Failed;
    } catch (error) {
      for (const entry of batch) entry.reject(error);
      return;
    }
    settleBatchEntries(batch, failures, 'delete the message');
  }
}
