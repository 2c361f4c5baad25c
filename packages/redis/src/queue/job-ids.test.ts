import { describe, expect, it } from 'vitest';
import { jobIdForRedelivery, jobIdForSend } from './job-ids.js';

const envelope = (messageId: string, attempt: number) => ({ messageId, attempt });

describe('BullMQ job ids', () => {
  it('names a sent envelope <messageId>.<attempt> and leaves garbage to BullMQ', () => {
    expect(jobIdForSend(envelope('msg_01', 1))).toBe('msg_01.1');
    expect(jobIdForSend(envelope('a:b', 2))).toBe('a_b.2');
    expect(jobIdForSend({ hello: 'world' })).toBeUndefined();
    expect(jobIdForSend('text')).toBeUndefined();
  });

  it('derives the next job from the current one, so a re-run redelivery is deduplicated', () => {
    expect(jobIdForRedelivery('msg_01.1', envelope('msg_01', 2))).toBe('msg_01.2');
    // Same inputs, same id: BullMQ drops the second add.
    expect(jobIdForRedelivery('msg_01.1', envelope('msg_01', 2))).toBe('msg_01.2');
  });

  it('numbers the hops of a chained delay, which redeliver the same attempt', () => {
    expect(jobIdForRedelivery('msg_01.3', envelope('msg_01', 3))).toBe('msg_01.3.h1');
    expect(jobIdForRedelivery('msg_01.3.h1', envelope('msg_01', 3))).toBe('msg_01.3.h2');
    expect(jobIdForRedelivery('msg_01.3.h2', envelope('msg_01', 4))).toBe('msg_01.4');
    expect(jobIdForRedelivery('msg_01.11.h2', envelope('msg_01', 1))).toBe('msg_01.1');
  });
});
