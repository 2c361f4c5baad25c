import type { LifecycleV1, ProviderV1 } from './provider.js';

/**
 * What travels through a queue transport. The composer builds it from the runtime's
 * `queue(name, payload, options)` call; transports store and return it unchanged.
 */
export interface QueueEnvelopeV1 {
  /** Envelope format version, so stored messages stay readable after upgrades. */
  format: 1;
  /** Unique id of this message, set by the composer; transports keep it unchanged. */
  messageId: string;
  /** `__wkf_workflow_…` or `__wkf_step_…` (optionally namespaced: `__<ns>_wkf_…`). */
  queueName: string;
  /** Version whose code must handle the message. */
  deploymentId: string;
  /** Tagged-JSON encoding of the runtime payload (bytes survive the trip). */
  body: string;
  /**
   * Runtime spec version of the payload, when the runtime gave one; transports store it as given.
   */
  specVersion?: number | undefined;
  /**
   * Key from the runtime's `queue()` options. With capability `idempotencyKeys`, a second send with
   * an already accepted key is dropped (`accepted: false`); otherwise it is carried but not
   * enforced (contract: Queue, at least once).
   */
  idempotencyKey?: string | undefined;
  /** Opaque string headers from the runtime; stored and returned unchanged. */
  headers?: Record<string, string> | undefined;
  /** 1 for the first delivery; redeliveries after `{ timeoutSeconds }` or a failure increment it. */
  attempt: number;
  /** Deliveries whose handler threw; drives backoff and dead-lettering (timeouts do not count). */
  failures: number;
  /** Epoch ms before which the message must not be handled (chained delays re-check it). */
  notBefore: number;
  /** Epoch ms when the composer built the envelope. */
  createdAt: number;
}

/** What the receiver tells the transport to do with a delivered message. */
export type DeliveryOutcomeV1 =
  | { type: 'ack' }
  | { type: 'redeliver'; envelope: QueueEnvelopeV1; delaySeconds: number }
  | { type: 'dead-letter'; reason: string };

/** The composer's receiver: give it what the transport stored, carry out what it answers. */
export type QueueReceiverV1 = (raw: unknown) => Promise<DeliveryOutcomeV1>;

/**
 * What a queue transport declares on its provider; read by the composer before `create` (contract:
 * Lifecycle, capabilities).
 */
export interface QueueCapabilitiesV1 {
  /** Longest delay the backend applies natively; `null` = unbounded. Longer delays are chained. */
  maxDelaySeconds: number | null;
  /** The transport drops a second message with an idempotency key it has already accepted. */
  idempotencyKeys: boolean;
  /**
   * Acknowledged sends survive a `kill -9` and a restart of the backend. A non-durable transport
   * (memory) declares `false` and the composer recovers active runs from storage on start.
   */
  durable: boolean;
  /** Deliveries the transport runs at once, when it is bounded (shown by `doctor`). */
  concurrency?: number;
}

/**
 * A message transport: stores envelopes and hands them to the receiver, honouring delays.
 * Redelivery and dead-lettering are decided by the composer (one policy for every backend);
 * the transport only carries out the outcome.
 */
export interface QueueTransportV1 extends LifecycleV1 {
  /** Discriminator: always `'transport'` for a provider's queue instance. */
  kind: 'transport';
  /**
   * Stores the envelope unchanged and delivers it no earlier than `delaySeconds` (seconds, ≥ 0)
   * from now. Resolves once the message is durably stored (for a durable transport); `accepted:
   * false` only when an idempotency key was already accepted. A delay above `maxDelaySeconds` is
   * never passed: the composer chains it (contract: Queue).
   */
  send(
    envelope: QueueEnvelopeV1,
    options: { delaySeconds: number },
  ): Promise<{ accepted: boolean }>;
  /**
   * Starts delivering to `receiver`; called once by the composite World's `start()`. Every due
   * envelope goes to the receiver and its outcome is carried out: `ack` removes the message,
   * `redeliver` replaces it with the returned envelope after its delay, `dead-letter` moves it aside
   * with the reason. A receiver that throws or returns no outcome, or a process that dies
   * mid-delivery, leaves the message to be delivered again; an undecodable body is dead-lettered,
   * never crashes the consumer (contract: Queue, nothing is lost).
   */
  consume(receiver: QueueReceiverV1): Promise<void>;
  /** Messages that were dead-lettered, newest last, for inspection. */
  deadLetters?(): Promise<Array<{ envelope: unknown; reason: string; at: number }>>;
}

/**
 * What a queue provider's `create` returns. (The composer's own adapters may also hand it an
 * existing World's queue that routes messages itself; providers implement a transport.)
 */
export type QueueInstanceV1 = QueueTransportV1;

/** A queue provider: `ProviderV1` for slot `'queue'`, creating a `QueueTransportV1`. */
export type QueueProviderV1<Capabilities extends QueueCapabilitiesV1 = QueueCapabilitiesV1> =
  ProviderV1<'queue', QueueInstanceV1, Capabilities>;
