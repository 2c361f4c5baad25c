import type { Streamer } from '@workflow/world';
import type { Lifecycle, ProviderBase } from './provider.js';

export interface StreamerCapabilities {
  /** `readFromStream` keeps delivering chunks written after it was opened. */
  liveTailing: boolean;
  durable: boolean;
  [capability: string]: unknown;
}

export type StreamerInstance = Streamer & Lifecycle;

export type StreamerProvider = ProviderBase<'streamer', StreamerInstance, StreamerCapabilities>;
