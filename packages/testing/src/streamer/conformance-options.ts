import type { Streamer } from '@workflow/world';
import type { KnownGaps } from './known-gaps.js';

/** The streamer a provider hands the suite: the `Streamer` part of a World, optionally closable. */
export type StreamerUnderTest = Streamer & { start?(): Promise<void>; close?(): Promise<void> };

/**
 * Switches for behaviour a streamer may legitimately lack. A switch set to `false` skips whole
 * groups under a name that says so; everything defaults to "supported".
 */
export interface StreamerConformanceCapabilities {
  /** `readFromStream` keeps delivering chunks written after it was opened, until the close. */
  liveTailing?: boolean;
}

export interface StreamerConformanceOptions {
  /** Shown in the suite's name, e.g. `local` or `redis`. */
  name: string;
  /**
   * Returns a streamer for one test; the suite calls `close()` after it. Every test uses stream
   * names and run ids of its own, so one shared backend works as long as those stay unique.
   */
  createStreamer: () => Promise<StreamerUnderTest> | StreamerUnderTest;
  capabilities?: StreamerConformanceCapabilities;
  /**
   * Tests (by exact title) the streamer is known to fail, each with the reason. They run as
   * expected failures, so the gap stays visible and a fix is noticed. Prefer fixing the streamer.
   */
  knownGaps?: KnownGaps;
  /** Per-test timeout in milliseconds for slow remote backends (default 30 000). */
  timeoutMs?: number;
}
