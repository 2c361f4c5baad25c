import type { QueueCapabilities, QueueProvider } from '@worldkit/core';
import type { TestContext } from 'vitest';
import { openQueueHarness, type QueueHarness, type QueueHarnessSettings } from './queue-harness.js';

/** What every group of the queue suite receives. */
export interface QueueSuiteContext {
  /** A fresh provider for one test. */
  createProvider(): Promise<QueueProvider>;
  /** What the provider declares (read from one provider, once per suite). */
  declared(): Promise<QueueCapabilities>;
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

/** The provider's declared concurrency limit, when it declares a number. */
export function declaredConcurrency(capabilities: QueueCapabilities): number | undefined {
  const { concurrency } = capabilities as unknown as Record<string, unknown>;
  return typeof concurrency === 'number' && concurrency > 0 ? concurrency : undefined;
}
