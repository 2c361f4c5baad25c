import type { QueueProvider } from '@worldkit/core';
import type { TestContext } from 'vitest';
import type { ResolvedQueueCapabilities } from './conformance-options.js';
import { openQueueHarness, type QueueHarness, type QueueHarnessSettings } from './queue-harness.js';

/** What every group of the queue suite receives. */
export interface QueueSuiteContext {
  capabilities: ResolvedQueueCapabilities;
  createProvider(): Promise<QueueProvider>;
}

/** A harness on a fresh provider, closed when the test finishes (tests run concurrently). */
export async function openForTest(
  suite: QueueSuiteContext,
  test: TestContext,
  settings?: QueueHarnessSettings,
): Promise<QueueHarness> {
  const harness = openQueueHarness(await suite.createProvider(), settings);
  test.onTestFinished(() => harness.close());
  return harness;
}
