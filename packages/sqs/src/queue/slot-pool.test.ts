import { describe, expect, it } from 'vitest';
import { SlotPool } from './slot-pool.js';

describe('SlotPool', () => {
  it('hands out at most its size, waiting for slots to come back', async () => {
    const pool = new SlotPool(3);
    expect(await pool.take(10)).toBe(3);
    let second: number | undefined;
    const waiting = pool.take(10).then((taken) => {
      second = taken;
    });
    await Promise.resolve();
    expect(second).toBeUndefined();
    pool.give(2);
    await waiting;
    expect(second).toBe(2);
  });

  it('answers waiting takers with 0 once closed', async () => {
    const pool = new SlotPool(1);
    await pool.take(1);
    const waiting = pool.take(1);
    pool.close();
    expect(await waiting).toBe(0);
  });
});
