import type { QueueProvider } from '@worldkit/core';

/**
 * What the suite should expect of the queue beyond the contract every transport meets.
 * A switch that is off skips its group under a name that says so.
 */
export interface QueueConformanceCapabilities {
  /**
   * Most handler calls the transport runs at once, when it has a fixed limit: the suite then
   * checks that the limit is reached and never exceeded. Without it the suite only checks
   * that deliveries run in parallel.
   */
  concurrencyLimit?: number;
  /** A second send with an accepted idempotency key is dropped. Defaults to `true`. */
  idempotencyKeys?: boolean;
  /**
   * Messages survive closing the World and composing a new one from the same provider object
   * (a restart). Defaults to `false`; must agree with the provider's declared `durable`.
   */
  durable?: boolean;
}

export interface QueueConformanceOptions {
  /** Shown in the suite's name, e.g. `local (memory)` or `sqs`. */
  name: string;
  /**
   * Returns a provider whose queue starts empty. Called once per test; tests run
   * concurrently, each on its own provider and deployment id.
   */
  createProvider: () => QueueProvider | Promise<QueueProvider>;
  capabilities?: QueueConformanceCapabilities;
  /** Per-test timeout in milliseconds (default 20 000). */
  timeoutMs?: number;
}

export interface ResolvedQueueCapabilities {
  concurrencyLimit: number | undefined;
  idempotencyKeys: boolean;
  durable: boolean;
}

export function resolveQueueCapabilities(
  capabilities: QueueConformanceCapabilities = {},
): ResolvedQueueCapabilities {
  return {
    concurrencyLimit: capabilities.concurrencyLimit,
    idempotencyKeys: capabilities.idempotencyKeys ?? true,
    durable: capabilities.durable ?? false,
  };
}
