import type { Queue } from '@workflow/world';
import { z } from 'zod';
import type { Lifecycle, ProviderBase } from './provider.js';

/**
 * What travels through a queue transport. The composer builds it from the runtime's
 * `queue(name, payload, options)` call; transports store and return it unchanged.
 */
export const queueEnvelopeSchema = z.object({
  /** Envelope format version, so stored messages stay readable after upgrades. */
  format: z.literal(1),
  messageId: z.string().min(1),
  queueName: z.string().regex(/^__(?:[a-z][a-z0-9]*_)?wkf_(?:workflow|step)_.+$/),
  /** Version whose code must handle the message. */
  deploymentId: z.string().min(1),
  /** Tagged-JSON encoding of the runtime payload (bytes survive the trip). */
  body: z.string(),
  specVersion: z.number().int().optional(),
  idempotencyKey: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  /** 1 for the first delivery; redeliveries after `{ timeoutSeconds }` or a failure increment it. */
  attempt: z.number().int().min(1),
  /** Deliveries whose handler threw; drives backoff and dead-lettering (timeouts do not count). */
  failures: z.number().int().min(0),
  /** Epoch ms before which the message must not be handled (chained delays re-check it). */
  notBefore: z.number().int().nonnegative(),
  createdAt: z.number().int().nonnegative(),
});
export type QueueEnvelope = z.infer<typeof queueEnvelopeSchema>;

/** What the receiver tells the transport to do with a delivered message. */
export type DeliveryOutcome =
  | { type: 'ack' }
  | { type: 'redeliver'; envelope: QueueEnvelope; delaySeconds: number }
  | { type: 'dead-letter'; reason: string };

export type QueueReceiver = (raw: unknown) => Promise<DeliveryOutcome>;

export interface QueueCapabilities {
  /** Longest delay the backend applies natively; `null` = unbounded. Longer delays are chained. */
  maxDelaySeconds: number | null;
  /** The transport drops a second message with an idempotency key it has already accepted. */
  idempotencyKeys: boolean;
  durable: boolean;
  [capability: string]: unknown;
}

/**
 * A message transport: stores envelopes and hands them to the receiver, honouring delays.
 * Redelivery and dead-lettering are decided by the composer (one policy for every backend);
 * the transport only carries out the outcome.
 */
export interface QueueTransport extends Lifecycle {
  kind: 'transport';
  send(envelope: QueueEnvelope, options: { delaySeconds: number }): Promise<{ accepted: boolean }>;
  /** Starts delivering to `receiver`; called once by the composite World's `start()`. */
  consume(receiver: QueueReceiver): Promise<void>;
  /** Messages that were dead-lettered, newest last, for inspection. */
  deadLetters?(): Promise<Array<{ envelope: unknown; reason: string; at: number }>>;
}

/** An existing World's queue used as-is (adapters): it routes messages itself. */
export interface NativeQueue extends Lifecycle {
  kind: 'native';
  queue: Queue['queue'];
  createQueueHandler: Queue['createQueueHandler'];
}

export type QueueInstance = QueueTransport | NativeQueue;

export type QueueProvider = ProviderBase<'queue', QueueInstance, QueueCapabilities>;
