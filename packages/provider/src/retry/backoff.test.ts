import { describe, expect, it } from 'vitest';
import { exponentialBackoff } from './backoff.js';

describe('exponentialBackoff', () => {
  it('doubles from the base on each attempt and stops at the cap', () => {
    const waits = [1, 2, 3, 4, 5, 6].map((attempt) =>
      exponentialBackoff(attempt, { base: 1, max: 20 }),
    );
    expect(waits).toEqual([1, 2, 4, 8, 16, 20]);
  });

  it('waits the base for attempt 0 or less, and stays finite for huge attempts', () => {
    expect(exponentialBackoff(0, { base: 5, max: 100 })).toBe(5);
    expect(exponentialBackoff(10_000, { base: 5, max: 100 })).toBe(100);
  });
});
