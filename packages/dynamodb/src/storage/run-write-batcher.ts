import type {
  CreateEventParams,
  CreateEventRequest,
  EventResult,
  RunCreatedEventRequest,
} from '@workflow/world';

type AnyEventRequest = CreateEventRequest | RunCreatedEventRequest;

/** An event write of one run waiting for its turn. */
export interface PendingWrite {
  data: AnyEventRequest;
  params: CreateEventParams | undefined;
  resolve(result: EventResult): void;
  reject(error: unknown): void;
}

/**
 * Step and wait events: each changes only its own step or wait (and appends events), so
 * several of them, on different entities, can share one transaction.
 */
const BATCHABLE = new Set([
  'step_created',
  'step_started',
  'step_completed',
  'step_failed',
  'step_retrying',
  'wait_created',
  'wait_completed',
]);

/**
 * Writes per transaction at most: two items each (entity and event) plus the write guard stay
 * under DynamoDB's 100 items, and the snapshot read of their targets under its 100 keys.
 */
export const MAX_BATCH = 30;

/**
 * Queues the event writes of each run within this process and hands them over in batches: one
 * write on its own, or several step and wait events on distinct entities together, in the
 * order they were submitted. Writers of one run contend for its write guard, so queueing them
 * means a process never races itself (a 100-way fan-out in one process was 98 % cancelled
 * transactions), and a batch commits many events with one transaction where one per event
 * would each wait for the last. Writers in other processes cannot queue up here: their step
 * events take log positions instead of racing for the guard (`create-event.ts`).
 */
export class RunWriteBatcher {
  readonly #pending = new Map<string, PendingWrite[]>();
  readonly #draining = new Set<string>();

  constructor(private readonly write: (runId: string, batch: PendingWrite[]) => Promise<void>) {}

  submit(
    runId: string,
    data: AnyEventRequest,
    params: CreateEventParams | undefined,
  ): Promise<EventResult> {
    return new Promise((resolve, reject) => {
      const queue = this.#pending.get(runId) ?? [];
      queue.push({ data, params, resolve, reject });
      this.#pending.set(runId, queue);
      void this.#drain(runId);
    });
  }

  async #drain(runId: string): Promise<void> {
    if (this.#draining.has(runId)) return;
    this.#draining.add(runId);
    try {
      for (;;) {
        const queue = this.#pending.get(runId);
        if (!queue || queue.length === 0) {
          this.#pending.delete(runId);
          return;
        }
        const batch = takeBatch(queue);
        try {
          await this.write(runId, batch);
        } catch (error) {
          // `write` settles each write itself; this only keeps the queue moving if it threw.
          for (const pending of batch) pending.reject(error);
        }
      }
    } finally {
      this.#draining.delete(runId);
    }
  }
}

/**
 * The next batch from the front of a run's queue: one write, or consecutive step and wait
 * events on distinct entities (one transaction may not touch an item twice), up to MAX_BATCH.
 */
function takeBatch(queue: PendingWrite[]): PendingWrite[] {
  const first = queue[0] as PendingWrite;
  if (!BATCHABLE.has(first.data.eventType)) return queue.splice(0, 1);
  const targets = new Set<string>();
  let count = 0;
  for (const pending of queue) {
    const target = `${pending.data.eventType.slice(0, 4)}:${(pending.data as { correlationId?: string }).correlationId}`;
    if (count >= MAX_BATCH || !BATCHABLE.has(pending.data.eventType) || targets.has(target)) break;
    targets.add(target);
    count++;
  }
  return queue.splice(0, count);
}
