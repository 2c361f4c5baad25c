export type { ConformanceOptions, KnownGaps } from './conformance.js';
export * from './provider-context.js';
export * from './queue/index.js';
export { type LoggedLine, recordingLogger } from './recording-logger.js';
export * from './storage/index.js';
export * from './streamer/index.js';
export * from './versions/index.js';
export { WAIT_UNTIL_TIMEOUT_MS, type WaitUntilOptions, waitUntil } from './wait-until.js';
export * from './world/index.js';
