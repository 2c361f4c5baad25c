import type { LifecycleV1, ProviderV1 } from './provider.js';

/**
 * What travels through a queue transport. The composer builds it from the runtime's
 * `queue(name, payload, options)` call; transports store and return it unchanged.
 */
export interface QueueEnvelopeV1 {
  /** Envelope format version, so stored messages stay readable after upgrades. */
  format: 1;
  messageId: string;
  /** `__wkf_workflow_…` or `__wkf_step_…` (optionally namespaced: `__<ns>_wkf_…`). */
  queueName: string;
  /** Version whose code must handle the message. */
  deploymentId: string;
  /** Tagged-JSON encoding of the runtime payload (bytes survive the trip). */
  body: string;
  specVersion?: number | undefined;
  idempotencyKey?: string | undefined;
  headers?: Record<string, string> | undefined;
  /** 1 for the first delivery; redeliveries after `{ timeoutSeconds }` or a failure increment it. */
  attempt: number;
  /** Deliveries whose handler threw; drives backoff and dead-lettering (timeouts do not count). */
  failures: number;
  /** Epoch ms before which the message must not be handled (chained delays re-check it). */
  notBefore: number;
  createdAt: number;
}

/** What the receiver tells the transport to do with a delivered message. */
export type DeliveryOutcomeV1 =
  | { type: 'ack' }
  | { type: 'redeliver'; envelope: QueueEnvelopeV1; delaySeconds: number }
  | { type: 'dead-letter'; reason: string };

/** The composer's receiver: give it what the transport stored, carry out what it answers. */
export type QueueReceiverV1 = (raw: unknown) => Promise<DeliveryOutcomeV1>;

export interface QueueCapabilitiesV1 {
  /** Longest delay the backend applies natively; `null` = unbounded. Longer delays are chained. */
  maxDelaySeconds: number | null;
  /** The transport drops a second message with an idempotency key it has already accepted. */
  idempotencyKeys: boolean;
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
  kind: 'transport';
  send(
    envelope: QueueEnvelopeV1,
    options: { delaySeconds: number },
  ): Promise<{ accepted: boolean }>;
  /** Starts delivering to `receiver`; called once by the composite World's `start()`. */
  consume(receiver: QueueReceiverV1): Promise<void>;
  /** Messages that were dead-lettered, newest last, for inspection. */
  deadLetters?(): Promise<Array<{ envelope: unknown; reason: string; at: number }>>;
}

/**
 * What a queue provider's `create` returns. (The composer's own adapters may also hand it an
 * existing World's queue that routes messages itself; providers implement a transport.)
 */
export type QueueInstanceV1 = QueueTransportV1;

export type QueueProviderV1<Capabilities extends QueueCapabilitiesV1 = QueueCapabilitiesV1> =
  ProviderV1<'queue', QueueInstanceV1, Capabilities>;
