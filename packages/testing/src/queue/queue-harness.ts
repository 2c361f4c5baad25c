import type { QueueOptions, ValidQueueName } from '@workflow/world';
import {
  type ComposedWorld,
  createWorld,
  type DeliveryPolicy,
  type Logger,
  type QueueProvider,
  type QueueTransport,
} from '@worldkit/core';
import { inertStorageProvider, inertStreamerProvider } from './inert-slots.js';

export type QueueKind = 'workflow' | 'step';

/** One call of a registered handler, as the runtime would have seen it. */
export interface QueueDelivery {
  message: unknown;
  attempt: number;
  messageId: string;
  queueName: string;
  /** Epoch ms when the handler was called. */
  at: number;
}

export type QueueTestHandler = (
  message: unknown,
  delivery: QueueDelivery,
  // biome-ignore lint/suspicious/noConfusingVoidType: mirrors the runtime's handler signature
) => Promise<void | { timeoutSeconds: number }>;

export interface LogEntry {
  level: keyof Logger;
  message: string;
  details?: Record<string, unknown>;
}

/** Fast retries so failure paths finish in well under a second. */
export const SUITE_DELIVERY_POLICY: DeliveryPolicy = {
  maxAttempts: 3,
  backoffBaseSeconds: 0.05,
  backoffMaxSeconds: 0.2,
};

export interface QueueHarnessSettings {
  /** Defaults to a fresh id, so handler registrations (process-wide) never collide. */
  deploymentId?: string;
  delivery?: Partial<DeliveryPolicy>;
  /**
   * Pretend the backend's longest native delay is this short, so the composer chains longer
   * delays on any backend.
   */
  maxDelaySeconds?: number;
}

/** A World composed around the provider under test, plus helpers to drive its queue. */
export interface QueueHarness {
  readonly deploymentId: string;
  readonly world: ComposedWorld;
  readonly transport: QueueTransport;
  readonly logs: LogEntry[];
  /** Registers a handler for this deployment's `kind` messages; returns its calls, in order. */
  handle(kind: QueueKind, handler?: QueueTestHandler): QueueDelivery[];
  /** `world.queue` to `__wkf_<kind>_conformance`; resolves to the message id (null if dropped). */
  enqueue(kind: QueueKind, payload: unknown, options?: QueueOptions): Promise<string | null>;
  start(): Promise<void>;
  close(): Promise<void>;
}

let deploymentCounter = 0;

export function uniqueDeploymentId(): string {
  deploymentCounter++;
  return `qc-${Date.now().toString(36)}-${process.pid}-${deploymentCounter}`;
}

export function queueNameFor(kind: QueueKind): ValidQueueName {
  return `__wkf_${kind}_conformance` as ValidQueueName;
}

export function openQueueHarness(
  provider: QueueProvider,
  settings: QueueHarnessSettings = {},
): QueueHarness {
  const deploymentId = settings.deploymentId ?? uniqueDeploymentId();
  const logs: LogEntry[] = [];
  const record = (level: keyof Logger) => (message: string, details?: Record<string, unknown>) =>
    logs.push({ level, message, details });
  const logger: Logger = {
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  };

  const world = createWorld({
    storage: inertStorageProvider(),
    queue: withMaxDelay(provider, settings.maxDelaySeconds),
    streamer: inertStreamerProvider(),
    deploymentId,
    delivery: { ...SUITE_DELIVERY_POLICY, ...settings.delivery },
    logger,
  });
  const queueInstance = world.worldkit.queue;
  if (queueInstance.kind !== 'transport') {
    throw new Error(
      `the queue conformance suite tests transports; ${provider.packageName} created a "${queueInstance.kind}" queue`,
    );
  }

  return {
    deploymentId,
    world,
    transport: queueInstance,
    logs,
    handle(kind, handler = async () => undefined) {
      const deliveries: QueueDelivery[] = [];
      world.createQueueHandler(`__wkf_${kind}_`, async (message, meta) => {
        const delivery: QueueDelivery = {
          message,
          attempt: meta.attempt,
          messageId: meta.messageId,
          queueName: meta.queueName,
          at: Date.now(),
        };
        deliveries.push(delivery);
        return handler(message, delivery);
      });
      return deliveries;
    },
    async enqueue(kind, payload, options) {
      // The runtime's payload type lists its own message shapes; a transport must carry any
      // JSON-with-bytes-and-dates value, which is what the suite sends.
      const runtimePayload = payload as Parameters<ComposedWorld['queue']>[1];
      const { messageId } = await world.queue(queueNameFor(kind), runtimePayload, options);
      return messageId;
    },
    start: () => world.start(),
    close: () => world.close(),
  };
}

/** The same provider, declaring a shorter native delay (never a longer one than it has). */
function withMaxDelay(provider: QueueProvider, maxDelaySeconds: number | undefined): QueueProvider {
  if (maxDelaySeconds === undefined) return provider;
  const declared = provider.capabilities.maxDelaySeconds;
  return {
    slot: provider.slot,
    specificationVersion: provider.specificationVersion,
    name: provider.name,
    packageName: provider.packageName,
    capabilities: {
      ...provider.capabilities,
      maxDelaySeconds: declared === null ? maxDelaySeconds : Math.min(declared, maxDelaySeconds),
    },
    create: (context) => provider.create(context),
  };
}

/**
 * How long the queue groups wait for a delivery: generous for a busy machine, and still under the
 * suite's default per-test timeout (20 s), so a failure names what was awaited.
 */
export const QUEUE_WAIT_MS = 15_000;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
