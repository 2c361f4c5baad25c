export {
  DEFAULT_FAILURE_LOG_INTERVAL_MS,
  type DeliveryAttempt,
  DeliveryFailureLog,
  type DeliveryFailureLogSettings,
} from './delivery-failure-log.js';
export { type DispatchSettings, dispatchDelivery, endpointFor } from './dispatch-delivery.js';
export {
  type HttpComputeCapabilities,
  type HttpComputeProvider,
  httpCompute,
} from './http-compute.js';
export { type ReceiveSettings, type RejectionKind, receiveDelivery } from './receive-delivery.js';
export { ReplayCache } from './replay-cache.js';
export {
  DEFAULT_REPLAY_CACHE_SIZE,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_TOLERANCE_SECONDS,
  type HttpComputeSettings,
  MIN_SECRET_LENGTH,
  PREVIOUS_SECRETS_ENV,
  REQUEST_TIMEOUT_ENV,
  type ResolvedHttpComputeSettings,
  resolveHttpComputeSettings,
  SECRET_ENV,
  TOLERANCE_ENV,
} from './settings.js';
export {
  ATTEMPT_HEADER,
  type DeliveryIdentity,
  MESSAGE_ID_HEADER,
  parseSignatureHeader,
  type ReceivedSignature,
  SIGNATURE_HEADER,
  SIGNATURE_SCHEME,
  signDelivery,
  TIMESTAMP_HEADER,
  verifyDeliverySignature,
} from './signature.js';
