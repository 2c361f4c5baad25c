import type { StreamerCapabilitiesV1, StreamerInstanceV1 } from '@worldkit/provider';
import type { ProviderBase } from './provider.js';

export type StreamerCapabilities = StreamerCapabilitiesV1;

/** What a streamer provider's instance implements (`StreamerInstanceV1`). */
export type StreamerInstance = StreamerInstanceV1;

export type StreamerProvider = ProviderBase<'streamer', StreamerInstance, StreamerCapabilities>;
