import { decodeTime, encodeTime } from 'ulid';
import { describe, expect, it } from 'vitest';
import { MonotonicUlids } from './monotonic-ulids.js';

describe('MonotonicUlids', () => {
  it('mints strictly increasing ids, also within one millisecond', () => {
    const ids = new MonotonicUlids();
    const minted = Array.from({ length: 2000 }, () => ids.next());
    expect([...minted].sort()).toEqual(minted);
    expect(new Set(minted).size).toBe(minted.length);
  });

  it('never mints below an observed id, even one from a later clock time', () => {
    const ids = new MonotonicUlids();
    const future = `${encodeTime(Date.now() + 3_600_000, 10)}ZZZZZZZZZZZZZZZ0`;
    ids.observe(future);
    const next = ids.next();
    expect(next > future).toBe(true);
    expect(decodeTime(next)).toBe(decodeTime(future));
  });
});
