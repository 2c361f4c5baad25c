/**
 * `@worldkit/core/internal`: what Worldkit's own packages share with the composer but users
 * should not build on (no compatibility promise between releases). The root entry still
 * re-exports these for existing imports.
 */
export {
  currentDeliveryScope,
  currentRecoveryWakeUp,
  RECOVERY_KEY_PREFIX,
  withDeliveryScope,
  withRecoveryScope,
} from './compute/delivery-scope.js';
export { findHandler, loadedDeployments, registerHandler } from './compute/handler-registry.js';
export { currentDeploymentScope, withDeploymentScope } from './compute/registration-scope.js';
export { createReceiver, type ReceiverSettings } from './queue/delivery-policy.js';
export { decodeMessage, encodeMessage } from './queue/message-codec.js';
export { loadedManifest } from './runtime/loaded-manifests.js';
export { checkEventRequest } from './storage/event-request-check.js';
