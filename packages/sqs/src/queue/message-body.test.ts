import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  COMPRESS_ABOVE_BYTES,
  decodeBody,
  encodeBody,
  MAX_INFLATED_BYTES,
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

  it('stops inflating a gzip bomb at the limit and reports it, instead of allocating it all', () => {
    // 200 MB of zeros compress to about 200 KB: a body anyone with send rights could write.
    const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(SQS_MAX_MESSAGE_BYTES);
    const decoded = decodeBody(JSON.stringify({ '$wk:gzip': bomb.toString('base64') }));
    expect(decoded.ok).toBe(false);
    expect(decoded.ok ? '' : decoded.reason).toMatch(
      /^malformed envelope: compressed body does not inflate to JSON \(.*(larger than|exceeds|maxOutputLength|buffer)/i,
    );
  });

  it('refuses to send a payload that would inflate past the consumer limit', () => {
    const huge = { text: 'a'.repeat(MAX_INFLATED_BYTES + 1) };
    expect(() => encodeBody(huge)).toThrow(MessageTooLargeError);
    expect(() => encodeBody(huge)).toThrow(/before compression; at most 33554432 are sent/);
  });
});
