import { describe, expect, it } from 'vitest';
import {
  ATTEMPT_HEADER,
  MESSAGE_ID_HEADER,
  parseSignatureHeader,
  SIGNATURE_HEADER,
  signDelivery,
  TIMESTAMP_HEADER,
  verifyDeliverySignature,
} from './signature.js';

const SECRET = 'a-shared-secret-of-at-least-32-characters';
const OTHER_SECRET = 'another-secret-that-is-also-long-enough';
const identity = { timestamp: 1_700_000_000, messageId: 'msg_01ABC', attempt: 2 };
const body = '{"format":1,"body":"payload"}';

function received(headers: Record<string, string>) {
  return {
    signature: headers[SIGNATURE_HEADER]!,
    timestamp: headers[TIMESTAMP_HEADER]!,
    messageId: headers[MESSAGE_ID_HEADER]!,
    attempt: headers[ATTEMPT_HEADER]!,
  };
}

describe('delivery signature', () => {
  it('signs timestamp, message id, attempt and body hash as v1=<hex>', () => {
    const headers = signDelivery(SECRET, identity, body);
    expect(headers[SIGNATURE_HEADER]).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(headers[TIMESTAMP_HEADER]).toBe('1700000000');
    expect(headers[MESSAGE_ID_HEADER]).toBe('msg_01ABC');
    expect(headers[ATTEMPT_HEADER]).toBe('2');
    expect(verifyDeliverySignature([SECRET], received(headers), body)).toBe(true);
    // Bytes and text of the same body verify alike.
    expect(verifyDeliverySignature([SECRET], received(headers), Buffer.from(body))).toBe(true);
  });

  it('matches an independent computation of the documented scheme', async () => {
    const { createHash, createHmac } = await import('node:crypto');
    const bodyHash = createHash('sha256').update(body).digest('hex');
    const expected = createHmac('sha256', SECRET)
      .update(`1700000000.msg_01ABC.2.${bodyHash}`)
      .digest('hex');
    expect(signDelivery(SECRET, identity, body)[SIGNATURE_HEADER]).toBe(`v1=${expected}`);
  });

  it('fails when any signed part changes', () => {
    const headers = received(signDelivery(SECRET, identity, body));
    expect(verifyDeliverySignature([SECRET], headers, `${body} `)).toBe(false);
    expect(verifyDeliverySignature([SECRET], { ...headers, timestamp: '1700000001' }, body)).toBe(
      false,
    );
    expect(verifyDeliverySignature([SECRET], { ...headers, messageId: 'msg_other' }, body)).toBe(
      false,
    );
    expect(verifyDeliverySignature([SECRET], { ...headers, attempt: '3' }, body)).toBe(false);
    expect(verifyDeliverySignature([OTHER_SECRET], headers, body)).toBe(false);
  });

  it('accepts any of several secrets, so a secret can be rotated without a flag day', () => {
    const headers = received(signDelivery(OTHER_SECRET, identity, body));
    expect(verifyDeliverySignature([SECRET, OTHER_SECRET], headers, body)).toBe(true);
    expect(verifyDeliverySignature([SECRET], headers, body)).toBe(false);
  });

  it('uses the v1 values of a header listing several schemes and ignores junk', () => {
    const signed = received(signDelivery(SECRET, identity, body));
    const listed = { ...signed, signature: `v2=zzz, ${signed.signature}, junk` };
    expect(verifyDeliverySignature([SECRET], listed, body)).toBe(true);
    expect(parseSignatureHeader('v1=abc, v1=, nonsense')).toEqual([]);
    expect(verifyDeliverySignature([SECRET], { ...signed, signature: 'v1=' }, body)).toBe(false);
    expect(
      verifyDeliverySignature(
        [SECRET],
        { ...signed, signature: signed.signature.slice(0, 40) },
        body,
      ),
    ).toBe(false);
  });
});
