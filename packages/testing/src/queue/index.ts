export type {
  QueueConformanceCapabilities,
  QueueConformanceOptions,
} from './conformance-options.js';
export { describeQueueConformance } from './describe-queue-conformance.js';
export {
  type Delivery,
  openQueueHarness,
  type QueueHarness,
  type QueueHarnessSettings,
  type QueueKind,
  SUITE_DELIVERY_POLICY,
  type TestHandler,
  uniqueDeploymentId,
  waitUntil,
} from './queue-harness.js';
