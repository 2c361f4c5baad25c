import type { DeliveryOutcome, Logger, QueueReceiver } from '@worldkit/core';
import { exponentialBackoff } from '@worldkit/provider';
import { MonotonicUlids } from '../storage/monotonic-ulids.js';
import { TurnBoundary } from '../turn-boundary.js';
import { DueQueue } from './due-queue.js';
import { IdempotencyWindow } from './idempotency-window.js';
import { type DeadLetter, idempotencyKeyOf, type JournalState } from './journal-records.js';
import { type CompactionThresholds, QueueJournal } from './queue-journal.js';

export interface QueueEngineSettings {
  concurrency: number;
  logger: Logger;
  /** Where the journal lives; without it the queue is memory-only. */
  journalPath?: string;
  /** When the journal is rewritten as a snapshot (defaults suit production; tests lower them). */
  compaction?: CompactionThresholds;
}

interface StoredMessage {
  /** The queue's own id; envelopes may be malformed, so theirs is never relied on. */
  id: string;
  envelope: unknown;
  dueAt: number;
  idempotencyKey: string | undefined;
  /** Consecutive deliveries whose receiver threw (not handler failures: the receiver reports those). */
  receiverCrashes: number;
}

/** Dead letters kept for `deadLetters()`; older ones are dropped (from memory and on compaction). */
const MAX_DEAD_LETTERS = 1_000;
/** Backoff when the receiver itself throws: min(base * 2^(n-1), max). */
const RECEIVER_BACKOFF_BASE_MS = 250;
const RECEIVER_BACKOFF_MAX_MS = 30_000;
/** setTimeout's largest delay; longer waits re-arm when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The local queue's state and scheduler: pending messages ordered by due time, one timer
 * for the earliest of them, at most `concurrency` receiver calls at once, and the
 * outcome of each call carried out (and journalled when durable). Shared by every
 * transport opened on the same data directory in this process.
 */
export class QueueEngine {
  readonly #messages = new Map<string, StoredMessage>();
  readonly #due = new DueQueue<StoredMessage>();
  readonly #keys = new IdempotencyWindow();
  #deadLetters: Array<DeadLetter & { id: string }> = [];
  /** Consumers, most recent last; deliveries go to the most recent one still open. */
  #receivers: QueueReceiver[] = [];
  readonly #inFlight = new Map<Promise<void>, QueueReceiver>();
  #timer: NodeJS.Timeout | undefined;
  #timerDueAt = Number.POSITIVE_INFINITY;
  #journal: QueueJournal | undefined;
  #opening: Promise<void> | undefined;
  /** No new deliveries or sends. */
  #closing = false;
  /** Journal closed; outcomes arriving now are dropped (and redelivered after a reopen). */
  #closed = false;
  /** Ids need uniqueness and order, not secrecy (ulid's own factory draws 16 crypto bytes). */
  readonly #ids = new MonotonicUlids();
  /** Memory-only queue: settles sends like the journal's group commit (see `TurnBoundary`). */
  readonly #memoryTurn = new TurnBoundary();

  constructor(private readonly settings: QueueEngineSettings) {}

  /** Loads the journal once; every public operation waits for it. */
  open(): Promise<void> {
    this.#opening ??= this.#load();
    return this.#opening;
  }

  async send(envelope: unknown, delaySeconds: number): Promise<{ accepted: boolean }> {
    await this.open();
    if (this.#closing) throw new Error('the local queue is closed');
    const now = Date.now();
    const idempotencyKey = idempotencyKeyOf(envelope);
    if (idempotencyKey && this.#keys.has(idempotencyKey, now)) return { accepted: false };
    // A JSON copy: the memory queue then hands the receiver exactly what a durable one would.
    const stored: unknown = JSON.parse(JSON.stringify(envelope));
    const message: StoredMessage = {
      id: `qm_${this.#ids.next()}`,
      envelope: stored,
      dueAt: now + delayMs(delaySeconds),
      idempotencyKey,
      receiverCrashes: 0,
    };
    // Held before the write so a concurrent duplicate is dropped while this one is stored.
    this.#messages.set(message.id, message);
    if (idempotencyKey) this.#keys.hold(idempotencyKey);
    try {
      if (this.#journal) {
        await this.#journal.append({
          t: 'sent',
          id: message.id,
          at: now,
          due: message.dueAt,
          e: stored,
        });
      } else if (!this.settings.journalPath) {
        // Memory only: delivered and settled on the next turn, with every send of this one,
        // never inside the sender's own turn (see `TurnBoundary`).
        await this.#memoryTurn.next();
      }
    } catch (error) {
      this.#messages.delete(message.id);
      if (idempotencyKey) this.#keys.release(idempotencyKey);
      throw error;
    }
    this.#schedule(message);
    return { accepted: true };
  }

  async addReceiver(receiver: QueueReceiver): Promise<void> {
    await this.open();
    if (this.#closing) throw new Error('the local queue is closed');
    this.#receivers.push(receiver);
    this.#pump();
  }

  /** Stops handing messages to `receiver` and waits (until `deadline`) for its deliveries. */
  async removeReceiver(receiver: QueueReceiver, deadline: number): Promise<void> {
    this.#receivers = this.#receivers.filter((candidate) => candidate !== receiver);
    const own = [...this.#inFlight].filter(([, owner]) => owner === receiver).map(([task]) => task);
    await this.#waitFor(own, deadline);
    this.#pump();
  }

  async deadLetters(): Promise<Array<{ envelope: unknown; reason: string; at: number }>> {
    await this.open();
    return this.#deadLetters.map(({ envelope, reason, at }) => ({ envelope, reason, at }));
  }

  /** Stops delivering, waits for deliveries in flight (until `deadline`), closes the journal. */
  async close(deadline: number): Promise<void> {
    this.#closing = true;
    this.#receivers = [];
    this.#clearTimer();
    await this.#opening?.catch(() => undefined);
    await this.#waitFor([...this.#inFlight.keys()], deadline);
    this.#closed = true;
    await this.#journal?.close();
  }

  async #load(): Promise<void> {
    const path = this.settings.journalPath;
    if (!path) return;
    this.#journal = await QueueJournal.open(
      path,
      this.settings.logger,
      (state) => this.#restore(state),
      () => ({
        live: this.#messages.size + this.#deadLetters.length + this.#keys.settledSize,
        take: () => ({
          messages: this.#messages.values(),
          deadLetters: this.#deadLetters,
          settledKeys: this.#keys.settledEntries(Date.now()),
        }),
      }),
      this.settings.compaction,
    );
  }

  #restore(state: JournalState): void {
    for (const [key, settledAt] of state.settledKeys) this.#keys.settle(key, settledAt);
    this.#deadLetters = [...state.deadLetters]
      .map(([id, letter]) => ({ id, ...letter }))
      .slice(-MAX_DEAD_LETTERS);
    for (const [id, { envelope, dueAt }] of state.messages) {
      const message: StoredMessage = {
        id,
        envelope,
        dueAt,
        idempotencyKey: idempotencyKeyOf(envelope),
        receiverCrashes: 0,
      };
      this.#messages.set(id, message);
      if (message.idempotencyKey) this.#keys.hold(message.idempotencyKey);
      this.#due.push(message, message.dueAt);
    }
    if (state.messages.size > 0) {
      this.settings.logger.info('local queue restored pending messages from its journal', {
        pending: state.messages.size,
      });
    }
  }

  #schedule(message: StoredMessage): void {
    this.#due.push(message, message.dueAt);
    this.#pump();
  }

  /** Starts every due message a free slot allows, then arms the timer for the next one. */
  #pump(): void {
    const receiver = this.#receivers.at(-1);
    if (this.#closing || !receiver) {
      this.#clearTimer();
      return;
    }
    const now = Date.now();
    while (this.#inFlight.size < this.settings.concurrency) {
      const dueAt = this.#due.peekDueAt();
      if (dueAt === undefined || dueAt > now) break;
      this.#deliver(this.#due.pop()!, receiver);
    }
    this.#armTimer(now);
  }

  #armTimer(now: number): void {
    const dueAt = this.#due.peekDueAt();
    // With every slot busy, the next completion pumps; no timer needed until then.
    if (dueAt === undefined || this.#inFlight.size >= this.settings.concurrency) {
      this.#clearTimer();
      return;
    }
    if (this.#timer && this.#timerDueAt <= dueAt) return;
    this.#clearTimer();
    const wait = Math.min(Math.max(dueAt - now, 0), MAX_TIMER_MS);
    this.#timerDueAt = now + wait;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerDueAt = Number.POSITIVE_INFINITY;
      this.#pump();
    }, wait);
    // A sleeping workflow must not keep the process alive on its own.
    this.#timer.unref();
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerDueAt = Number.POSITIVE_INFINITY;
  }

  #deliver(message: StoredMessage, receiver: QueueReceiver): void {
    const task = this.#receive(message, receiver).finally(() => {
      this.#inFlight.delete(task);
      this.#pump();
    });
    this.#inFlight.set(task, receiver);
  }

  async #receive(message: StoredMessage, receiver: QueueReceiver): Promise<void> {
    try {
      this.#carryOut(message, await receiver(message.envelope));
    } catch (error) {
      // A receiver that throws (or returns an outcome that cannot be stored) must not take
      // the consumer down: the delivery counts as failed and is retried.
      this.#receiverFailed(message, error);
    }
  }

  #carryOut(message: StoredMessage, outcome: DeliveryOutcome): void {
    if (this.#closed) {
      this.settings.logger.warn('a delivery finished after the local queue closed', {
        id: message.id,
        outcome: outcome?.type,
        durable: this.#journal !== undefined,
      });
      return;
    }
    const now = Date.now();
    switch (outcome?.type) {
      case 'ack':
        this.#messages.delete(message.id);
        if (message.idempotencyKey) this.#keys.settle(message.idempotencyKey, now);
        this.#record({ t: 'acked', id: message.id, at: now });
        return;
      case 'redeliver': {
        message.envelope = JSON.parse(JSON.stringify(outcome.envelope));
        message.dueAt = now + delayMs(outcome.delaySeconds);
        message.receiverCrashes = 0;
        this.#record({
          t: 'redelivered',
          id: message.id,
          at: now,
          due: message.dueAt,
          e: message.envelope,
        });
        this.#schedule(message);
        return;
      }
      case 'dead-letter': {
        const reason = String(outcome.reason);
        this.#messages.delete(message.id);
        if (message.idempotencyKey) this.#keys.release(message.idempotencyKey);
        this.#deadLetters.push({ id: message.id, envelope: message.envelope, reason, at: now });
        if (this.#deadLetters.length > MAX_DEAD_LETTERS) this.#deadLetters.shift();
        this.#record({
          t: 'dead-lettered',
          id: message.id,
          at: now,
          reason,
          e: message.envelope,
        });
        return;
      }
      default:
        this.#receiverFailed(
          message,
          new Error(`receiver returned no delivery outcome (${JSON.stringify(outcome)})`),
        );
    }
  }

  /**
   * The receiver is core's delivery policy and should never throw; when it does (a bug, or
   * a compute backend that is down) the message is not the problem, so it is kept and
   * retried with a capped backoff rather than dead-lettered.
   */
  #receiverFailed(message: StoredMessage, error: unknown): void {
    if (this.#closed) return;
    message.receiverCrashes++;
    const backoffMs = exponentialBackoff(message.receiverCrashes, {
      base: RECEIVER_BACKOFF_BASE_MS,
      max: RECEIVER_BACKOFF_MAX_MS,
    });
    this.settings.logger.error('the queue receiver threw; redelivering the message later', {
      id: message.id,
      crashes: message.receiverCrashes,
      retryInMs: backoffMs,
      error: error instanceof Error ? error.message : String(error),
    });
    message.dueAt = Date.now() + backoffMs;
    this.#schedule(message);
  }

  /** Journals a state change in the background; a failed write is logged by the journal. */
  #record(record: Parameters<QueueJournal['append']>[0]): void {
    this.#journal?.append(record).catch(() => undefined);
  }

  async #waitFor(tasks: Array<Promise<void>>, deadline: number): Promise<void> {
    if (tasks.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(deadline - Date.now(), 0));
    });
    const result = await Promise.race([Promise.allSettled(tasks), timedOut]);
    clearTimeout(timer);
    if (result === 'timeout') {
      this.settings.logger.warn('closing the local queue before every delivery finished', {
        stillRunning: tasks.filter((task) => this.#inFlight.has(task)).length,
        durable: this.#journal !== undefined,
      });
    }
  }
}

function delayMs(delaySeconds: number): number {
  return Number.isFinite(delaySeconds) && delaySeconds > 0 ? Math.round(delaySeconds * 1000) : 0;
}
