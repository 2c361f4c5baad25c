import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage } from './message-codec.js';

describe('message codec', () => {
  it('round-trips bytes (including null bytes), dates and nested values', () => {
    const payload = {
      runId: 'wrun_1',
      requestedAt: new Date('2026-01-02T03:04:05.678Z'),
      runInput: { input: new Uint8Array([0, 1, 0, 255]), nested: [new Uint8Array([0])] },
    };
    const decoded = decodeMessage(encodeMessage(payload)) as typeof payload;
    expect(decoded.requestedAt).toBeInstanceOf(Date);
    expect(decoded.requestedAt.toISOString()).toBe('2026-01-02T03:04:05.678Z');
    expect(decoded.runInput.input).toEqual(new Uint8Array([0, 1, 0, 255]));
    expect(decoded.runInput.nested[0]).toEqual(new Uint8Array([0]));
  });

  it('leaves look-alike objects with extra keys alone', () => {
    const payload = { value: { '$wk:bytes': 'AA==', other: 1 } };
    expect(decodeMessage(encodeMessage(payload))).toEqual(payload);
  });

  it('round-trips objects shaped like its tags', () => {
    const payload = {
      date: { '$wk:date': '2026-01-02T03:04:05.678Z' },
      bytes: { '$wk:bytes': 'AA==' },
      escape: { '$wk:literal': { '$wk:date': new Date(0) } },
    };
    expect(decodeMessage(encodeMessage(payload))).toStrictEqual(payload);
  });
});
