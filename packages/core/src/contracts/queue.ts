import type { Queue } from '@workflow/world';
import type {
  DeliveryOutcomeV1,
  QueueCapabilitiesV1,
  QueueEnvelopeV1,
  QueueReceiverV1,
  QueueTransportV1,
} from '@worldkit/provider';
import { z } from 'zod';
import type { Lifecycle, ProviderBase } from './provider.js';

/**
 * What travels through a queue transport (`QueueEnvelopeV1`): the composer validates every
 * envelope a transport hands back against this schema.
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
export type QueueEnvelope = QueueEnvelopeV1;
export type DeliveryOutcome = DeliveryOutcomeV1;
export type QueueReceiver = QueueReceiverV1;
export type QueueCapabilities = QueueCapabilitiesV1;
export type QueueTransport = QueueTransportV1;

/**
 * An existing World's queue used as-is (the composer's adapters, `fromWorld`): it routes
 * messages itself. Not part of the provider contract; providers implement `QueueTransport`.
 */
export interface NativeQueue extends Lifecycle {
  kind: 'native';
  queue: Queue['queue'];
  createQueueHandler: Queue['createQueueHandler'];
}

export type QueueInstance = QueueTransport | NativeQueue;

export type QueueProvider = ProviderBase<'queue', QueueInstance, QueueCapabilities>;
