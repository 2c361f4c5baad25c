import { describe, expect, it } from 'vitest';
import { ReplayCache } from './replay-cache.js';

describe('ReplayCache', () => {
  it('accepts a key once while it is remembered', () => {
    const cache = new ReplayCache(10, () => 1_000);
    expect(cache.claim('msg_1#1', 5_000)).toBe(true);
    expect(cache.claim('msg_1#1', 5_000)).toBe(false);
    expect(cache.claim('msg_1#2', 5_000)).toBe(true);
  });

  it('forgets keys whose window has passed', () => {
    let now = 1_000;
    const cache = new ReplayCache(10, () => now);
    cache.claim('msg_1#1', 2_000);
    cache.claim('msg_2#1', 9_000);
    now = 2_001;
    expect(cache.claim('msg_3#1', 10_000)).toBe(true);
    expect(cache.size).toBe(2);
    expect(cache.claim('msg_1#1', 10_000)).toBe(true);
    expect(cache.claim('msg_2#1', 10_000)).toBe(false);
  });

  it('stays within its bound by forgetting the oldest keys first', () => {
    const cache = new ReplayCache(3, () => 0);
    for (const key of ['a', 'b', 'c', 'd']) expect(cache.claim(key, 1_000)).toBe(true);
    expect(cache.size).toBe(3);
    expect(cache.claim('d', 1_000)).toBe(false);
    expect(cache.claim('a', 1_000)).toBe(true);
  });
});
