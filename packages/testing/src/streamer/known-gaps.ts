import { it, type TestFunction } from 'vitest';

/**
 * Test titles mapped to why the streamer under test is known to fail them. A listed test runs as
 * `it.fails` under a name that carries the reason, so the gap shows in every report and the
 * suite flags the day the streamer is fixed (the test then "unexpectedly passes").
 */
export type KnownGaps = Readonly<Record<string, string>>;

export type ConformanceTest = (title: string, body: TestFunction) => void;

export function conformanceTest(knownGaps: KnownGaps = {}): ConformanceTest {
  return (title, body) => {
    const gap = knownGaps[title];
    if (gap) it.fails(`${title} (known gap: ${gap})`, body);
    else it(title, body);
  };
}
