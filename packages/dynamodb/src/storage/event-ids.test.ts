import { isValid, monotonicFactory } from 'ulid';
import { describe, expect, it } from 'vitest';
import { eventIdTime, idBaseOf, sequencedEventId, sequenceOf } from './event-ids.js';

const nextUlid = monotonicFactory();

describe('sequenced event ids', () => {
  it('are ULIDs whose time is idBase + position and which sort by position', () => {
    const runId = `wrun_${nextUlid()}`;
    const idBase = Date.UTC(2026, 11, 4);
    const positions = [1, 2, 9, 10, 31, 32, 33, 1_000, 1_024, 99_999];
    const ids = positions.map((seq) => sequencedEventId(runId, idBase, seq));
    expect(ids.every((id) => id.startsWith('evnt_') && isValid(id.slice(5)))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(ids.map(eventIdTime)).toEqual(positions.map((seq) => idBase + seq));
    expect(ids.map(sequenceOf)).toEqual(positions);
    expect(ids.map((id, index) => idBaseOf(id, positions[index] as number))).toEqual(
      positions.map(() => idBase),
    );
  });

  it('differ between runs created in the same millisecond', () => {
    const idBase = Date.now();
    const first = sequencedEventId(`wrun_${nextUlid()}`, idBase, 7);
    const second = sequencedEventId(`wrun_${nextUlid()}`, idBase, 7);
    expect(first).not.toBe(second);
  });

  it('an id whose last ten characters cannot be a position, or no event id, has none', () => {
    expect(sequenceOf('evnt_01KBNZ5SZ3Q6F8W1Y7C0VYT2MX')).toBeUndefined();
    expect(sequenceOf('not-an-event-id')).toBeUndefined();
  });
});
