import {
  type ConfigProblem,
  type DeliveryOutcomeV1,
  defineQueueProvider,
  describeValue,
  type QueueEnvelopeV1,
  type QueueReceiverV1,
  type QueueTransportV1,
  WorldkitConfigError,
} from '@worldkit/provider';

const PACKAGE_NAME = 'worldkit-provider-memory-queue';

export interface MemoryQueueSettings {
  /** How long a message waits before it is delivered again when the receiver failed (default 1 s). */
  retryDelaySeconds?: number;
  /** Idempotency keys remembered, oldest forgotten first (default 10 000). */
  maxRememberedKeys?: number;
}

export type DeadLetter = { envelope: unknown; reason: string; at: number };

/** Messages, timers and dead letters of one provider object, shared by every World composed from it. */
class MemoryHub {
  readonly receivers: QueueReceiverV1[] = [];
  readonly waiting: unknown[] = [];
  readonly inFlight = new Set<Promise<void>>();
  readonly keys = new Set<string>();
  readonly deadLetters: DeadLetter[] = [];

  constructor(private readonly settings: Required<MemoryQueueSettings>) {}

  accept(envelope: QueueEnvelopeV1, delaySeconds: number): boolean {
    const key = (envelope as Partial<QueueEnvelopeV1> | null)?.idempotencyKey;
    if (typeof key === 'string') {
      if (this.keys.has(key)) return false;
      this.keys.add(key);
      if (this.keys.size > this.settings.maxRememberedKeys) {
        this.keys.delete(this.keys.values().next().value as string);
      }
    }
    this.schedule(envelope, delaySeconds);
    return true;
  }

  schedule(envelope: unknown, delaySeconds: number): void {
    // Unref'd, so pending messages never keep the process alive (they are lost on exit anyway).
    setTimeout(() => this.deliver(envelope), Math.max(0, delaySeconds * 1000)).unref();
  }

  /** Hands a due message to the newest consumer, or parks it until one starts consuming. */
  deliver(envelope: unknown): void {
    const receiver = this.receivers.at(-1);
    if (!receiver) {
      this.waiting.push(envelope);
      return;
    }
    const delivery = this.run(receiver, envelope).finally(() => this.inFlight.delete(delivery));
    this.inFlight.add(delivery);
  }

  private async run(receiver: QueueReceiverV1, envelope: unknown): Promise<void> {
    let outcome: DeliveryOutcomeV1 | undefined;
    try {
      outcome = await receiver(envelope);
    } catch {
      outcome = undefined;
    }
    // A receiver that throws or answers nothing failed: keep the message and try again.
    if (!outcome) return this.schedule(envelope, this.settings.retryDelaySeconds);
    if (outcome.type === 'redeliver') this.schedule(outcome.envelope, outcome.delaySeconds);
    if (outcome.type === 'dead-letter') {
      this.deadLetters.push({ envelope, reason: outcome.reason, at: Date.now() });
    }
  }

  addReceiver(receiver: QueueReceiverV1): void {
    this.receivers.push(receiver);
    for (const envelope of this.waiting.splice(0)) this.deliver(envelope);
  }

  async removeReceiver(receiver: QueueReceiverV1): Promise<void> {
    const index = this.receivers.indexOf(receiver);
    if (index >= 0) this.receivers.splice(index, 1);
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }
}

/**
 * An in-memory queue for Worldkit: delays on timers, idempotency keys, dead letters, unbounded
 * concurrency. Messages live in this provider object, so every World the runtime composes from
 * it in one process shares them; they are lost when the process exits (`durable: false`).
 */
export const memoryQueue = defineQueueProvider({
  name: 'memory-queue',
  packageName: PACKAGE_NAME,
  settings: (settings: MemoryQueueSettings = {}) => {
    const retryDelaySeconds = settings.retryDelaySeconds ?? 1;
    const maxRememberedKeys = settings.maxRememberedKeys ?? 10_000;
    const problems: ConfigProblem[] = [];
    if (!(retryDelaySeconds >= 0)) {
      problems.push({
        key: 'retryDelaySeconds',
        expected: 'a number of seconds >= 0',
        received: describeValue(retryDelaySeconds),
      });
    }
    if (!Number.isInteger(maxRememberedKeys) || maxRememberedKeys < 1) {
      problems.push({
        key: 'maxRememberedKeys',
        expected: 'a positive integer',
        received: describeValue(maxRememberedKeys),
      });
    }
    if (problems.length > 0) throw new WorldkitConfigError(problems, `${PACKAGE_NAME} settings`);
    // One hub per provider object: every create() of it shares the messages.
    return { hub: new MemoryHub({ retryDelaySeconds, maxRememberedKeys }) };
  },
  capabilities: { maxDelaySeconds: null, idempotencyKeys: true, durable: false },
  create: ({ hub }): QueueTransportV1 => {
    let own: QueueReceiverV1 | undefined;
    let closed = false;
    return {
      kind: 'transport',
      send: async (envelope, { delaySeconds }) => {
        if (closed) throw new Error(`${PACKAGE_NAME}: the queue is closed`);
        return { accepted: hub.accept(envelope, delaySeconds) };
      },
      consume: async (receiver) => {
        if (own) throw new Error(`${PACKAGE_NAME}: consume() was already called`);
        own = receiver;
        hub.addReceiver(receiver);
      },
      deadLetters: async () => [...hub.deadLetters],
      close: async () => {
        closed = true;
        if (own) await hub.removeReceiver(own);
      },
    };
  },
});
