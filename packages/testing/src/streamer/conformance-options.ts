import type { Streamer } from '@workflow/world';
import type { StreamerProvider } from '@worldkit/core';
import type { ConformanceOptions } from '../conformance.js';
import type { DeprecatedStreamerConformanceOptions } from '../deprecated-options.js';

/** The streamer instance the suite checks: the `Streamer` part of a World, optionally closable. */
export type StreamerUnderTest = Streamer & { start?(): Promise<void>; close?(): Promise<void> };

/**
 * Capabilities the streamer suite reads from the provider's declared `capabilities`. A
 * capability declared `false` skips the groups that need it, with the reason next to each test.
 */
export interface StreamerConformanceCapabilities {
  /** `readFromStream` keeps delivering chunks written after it was opened, until the close. */
  liveTailing?: boolean;
}

/**
 * `create` returns a streamer provider (e.g. `redisStreamer({...})`). Before every test the
 * suite calls it, then the provider's `create(context)` and the instance's `start()`; it calls
 * `close()` after the test. Every test uses stream names and run ids of its own, so one shared
 * backend works. Default `timeoutMs`: 30 000.
 */
export type StreamerConformanceOptions =
  | ConformanceOptions<StreamerProvider>
  | DeprecatedStreamerConformanceOptions;
