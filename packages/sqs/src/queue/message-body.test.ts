import { describe, expect, it } from 'vitest';
import {
  COMPRESS_ABOVE_BYTES,
  decodeBody,
  encodeBody,
  MessageTooLargeError,
  SQS_MAX_MESSAGE_BYTES,
} from './message-body.js';

describe('SQS message bodies', () => {
  it('escapes surrogates, U+FFFE and U+FFFF so the body holds only XML characters', () => {
    const value = { text: 'rocket 🚀, lone \uD800, nonchars \uFFFE\uFFFF, nul \u0000' };
    const body = encodeBody(value);
    // Everything JSON.stringify leaves raw is printable: no surrogates or noncharacters remain.
    expect(body).not.toMatch(/[\uD800-\uDFFF\uFFFE\uFFFF]/);
    expect([...body].every((character) => character >= ' ')).toBe(true);
    expect(body).toContain('\\ud83d\\ude80');
    expect(decodeBody(body)).toEqual({ ok: true, value });
  });

  it('gzips bodies above the threshold and inflates them on receipt', () => {
    const small = { text: 'x'.repeat(100) };
    expect(encodeBody(small)).toBe(JSON.stringify(small));
    const large = { text: 'abcdefghij🚀'.repeat(COMPRESS_ABOVE_BYTES / 5) };
    const body = encodeBody(large);
    expect(body.startsWith('{"$wk:gzip":"')).toBe(true);
    expect(body.length).toBeLessThan(COMPRESS_ABOVE_BYTES);
    expect(decodeBody(body)).toEqual({ ok: true, value: large });
  });

  it('refuses, with a clear error, a body SQS would refuse even compressed', () => {
    // Random bytes do not compress: base64 of 1 MiB of them is ~1.4 MiB.
    const random = Buffer.from(
      Array.from({ length: SQS_MAX_MESSAGE_BYTES }, () => Math.floor(Math.random() * 256)),
    ).toString('base64');
    expect(() => encodeBody({ random })).toThrow(MessageTooLargeError);
    expect(() => encodeBody({ random })).toThrow(/Pass large workflow inputs by reference/);
  });

  it('reports bodies that are not JSON, or do not inflate, instead of throwing', () => {
    expect(decodeBody('{ nope')).toEqual({
      ok: false,
      reason: 'malformed envelope: message body is not JSON',
    });
    expect(decodeBody(undefined)).toMatchObject({ ok: false });
    expect(decodeBody('{"$wk:gzip":"bm90IGd6aXA="}')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^malformed envelope: compressed body/),
    });
  });
});
