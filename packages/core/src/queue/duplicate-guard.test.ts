import { describe, expect, it } from 'vitest';
import type { DeliveryOutcome } from '../contracts/queue.js';
import { DuplicateGuard } from './duplicate-guard.js';

describe('DuplicateGuard', () => {
  it('runs a message once when a duplicate arrives while the original is running', async () => {
    const guard = new DuplicateGuard();
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const deliver = async (): Promise<DeliveryOutcome> => {
      runs++;
      await gate;
      return { type: 'ack' };
    };
    const original = guard.run('msg_1#1', deliver);
    const duplicate = guard.run('msg_1#1', deliver);
    release();
    expect(await Promise.all([original, duplicate])).toEqual([{ type: 'ack' }, { type: 'ack' }]);
    expect(runs).toBe(1);
  });

  it('replays the original outcome to a later duplicate instead of running again', async () => {
    const guard = new DuplicateGuard();
    const redeliver = { type: 'dead-letter', reason: 'bad' } as const;
    let runs = 0;
    await guard.run('msg_2#1', async () => {
      runs++;
      return redeliver;
    });
    expect(await guard.run('msg_2#1', async () => ({ type: 'ack' }))).toBe(redeliver);
    expect(runs).toBe(1);
    // A different attempt of the same message is a new delivery.
    expect(await guard.run('msg_2#2', async () => ({ type: 'ack' }))).toEqual({ type: 'ack' });
  });

  it('forgets the oldest outcomes beyond its bound', async () => {
    const guard = new DuplicateGuard(2);
    for (const key of ['a', 'b', 'c']) await guard.run(key, async () => ({ type: 'ack' }));
    let ranAgain = false;
    await guard.run('a', async () => {
      ranAgain = true;
      return { type: 'ack' };
    });
    expect(ranAgain).toBe(true);
  });
});
