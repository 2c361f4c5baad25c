export type { QueueConformanceOptions } from './conformance-options.js';
export { describeQueueConformance } from './describe-queue-conformance.js';
export {
  openQueueHarness,
  type QueueDelivery,
  type QueueHarness,
  type QueueHarnessSettings,
  type QueueKind,
  type QueueTestHandler,
} from './queue-harness.js';
export { testEnvelope } from './test-envelope.js';
