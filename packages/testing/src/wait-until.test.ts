import { describe, expect, it } from 'vitest';
import { waitUntil } from './wait-until.js';

describe('waitUntil', () => {
  it('returns the first value that is done', async () => {
    let polls = 0;
    const value = await waitUntil(() => (++polls >= 3 ? { polls } : undefined), {
      what: 'the third poll',
      intervalMs: 1,
    });
    expect(value).toEqual({ polls: 3 });
  });

  it('waits for a condition, or for what `until` accepts', async () => {
    let count = 0;
    await waitUntil(() => ++count === 2, { what: 'two polls', intervalMs: 1 });
    expect(count).toBe(2);
    expect(await waitUntil(async () => count++, { what: 'five', until: (n) => n === 5 })).toBe(5);
  });

  it('on timeout names what it waited for, the deadline and the last value', async () => {
    await expect(
      waitUntil(() => ({ seen: 1 }), {
        what: 'nothing',
        timeoutMs: 30,
        intervalMs: 5,
        until: () => false,
      }),
    ).rejects.toThrow('timed out after 30 ms waiting for nothing; last value: {"seen":1}');
  });

  it('fails at once when the read throws, unless told to retry; then names the last error', async () => {
    const read = () => {
      throw new Error('not yet');
    };
    await expect(waitUntil(read, { what: 'a read', timeoutMs: 1_000 })).rejects.toThrow('not yet');
    await expect(
      waitUntil(read, {
        what: 'a read',
        timeoutMs: 30,
        intervalMs: 5,
        retryErrors: true,
        detail: () => 'more',
      }),
    ).rejects.toThrow('timed out after 30 ms waiting for a read; last error: not yet\nmore');
  });
});
