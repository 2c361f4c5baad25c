import { describe, expect, it } from 'vitest';
import { IdempotencyWindow } from './idempotency-window.js';

describe('in-process idempotency window', () => {
  it('holds a key until its message is due plus the retention window', () => {
    const window = new IdempotencyWindow(1_000);
    expect(window.claim('step_1', 5_000, 0)).toBe(true);
    expect(window.claim('step_1', 0, 5_999)).toBe(false);
    expect(window.claim('step_1', 0, 6_000)).toBe(true);
  });

  it('keeps an acknowledged key for the retention window from the ack', () => {
    const window = new IdempotencyWindow(1_000);
    window.claim('step_1', 0, 0);
    window.settle('step_1', 10_000);
    expect(window.claim('step_1', 0, 10_500)).toBe(false);
    expect(window.claim('step_1', 0, 11_000)).toBe(true);
  });

  it('releases the key of a dead-lettered message at once', () => {
    const window = new IdempotencyWindow(1_000);
    window.claim('step_1', 0, 0);
    window.release('step_1');
    expect(window.claim('step_1', 0, 1)).toBe(true);
  });

  it('forgets the oldest keys beyond its bound', () => {
    const window = new IdempotencyWindow(60_000, 2);
    for (const key of ['a', 'b', 'c']) window.claim(key, 0, 0);
    expect(window.claim('a', 0, 1)).toBe(true);
    expect(window.claim('c', 0, 1)).toBe(false);
  });
});
