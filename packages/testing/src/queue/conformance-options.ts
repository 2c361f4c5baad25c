import type { QueueProvider } from '@worldkit/core';
import type { ConformanceOptions } from '../conformance.js';
import type { DeprecatedQueueConformanceOptions } from '../deprecated-options.js';

/**
 * `create` returns a queue provider whose queue starts empty (e.g. `bullmqQueue({...})`). It is
 * called once per test (tests run concurrently, each on its own provider and deployment id) and
 * once more to read the declared capabilities: `idempotencyKeys` and `durable` switch their
 * groups on, and a numeric `concurrency` makes the suite check that the limit is reached and
 * never exceeded. Default `timeoutMs`: 20 000.
 */
export type QueueConformanceOptions =
  | ConformanceOptions<QueueProvider>
  | DeprecatedQueueConformanceOptions;
