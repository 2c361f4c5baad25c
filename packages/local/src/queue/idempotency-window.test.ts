import { expect, test } from 'vitest';
import { IdempotencyWindow } from './idempotency-window.js';

test('holds a key while its message is pending, however long that is', () => {
  const window = new IdempotencyWindow(1_000, 10);
  window.hold('k');
  expect(window.has('k', 10_000_000)).toBe(true);
});

test('keeps an acknowledged key for the retention window only', () => {
  const window = new IdempotencyWindow(1_000, 10);
  window.hold('k');
  window.settle('k', 5_000);
  expect(window.has('k', 5_999)).toBe(true);
  expect(window.has('k', 6_000)).toBe(false);
});

test('forgets the oldest acknowledged keys beyond the size cap', () => {
  const window = new IdempotencyWindow(60_000, 2);
  for (const key of ['a', 'b', 'c']) {
    window.hold(key);
    window.settle(key, 100);
  }
  expect(window.has('a', 100)).toBe(false);
  expect(window.has('b', 100)).toBe(true);
  expect(window.has('c', 100)).toBe(true);
});

test('releases the key of a dead-lettered message at once', () => {
  const window = new IdempotencyWindow(60_000, 10);
  window.hold('k');
  window.release('k');
  expect(window.has('k', 0)).toBe(false);
});
