import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The delivery signature. The dispatcher signs every POST with a secret shared with each
 * version's app; the app refuses anything it cannot verify.
 *
 *   signed text  = `${timestamp}.${messageId}.${attempt}.${hex(sha256(body))}`
 *   signature    = hex(HMAC-SHA256(secret, signed text))
 *   headers      = x-worldkit-signature: v1=<signature>
 *                  x-worldkit-timestamp: <unix seconds>
 *                  x-worldkit-message-id: <envelope.messageId>
 *                  x-worldkit-attempt: <envelope.attempt>
 *
 * The timestamp bounds how long a captured request stays usable; message id and attempt
 * name the delivery for replay detection; the body hash binds everything else (queue name,
 * version, payload). The `v1=` label leaves room for another scheme: a signature header may
 * list several `scheme=value` pairs separated by commas, and receivers use the ones they know.
 */
export const SIGNATURE_SCHEME = 'v1';

export const SIGNATURE_HEADER = 'x-worldkit-signature';
export const TIMESTAMP_HEADER = 'x-worldkit-timestamp';
export const MESSAGE_ID_HEADER = 'x-worldkit-message-id';
export const ATTEMPT_HEADER = 'x-worldkit-attempt';

export interface DeliveryIdentity {
  /** Unix time in whole seconds. */
  timestamp: number;
  messageId: string;
  attempt: number;
}

/** The headers a dispatcher sends with `body` (the JSON envelope, exactly as sent). */
export function signDelivery(
  secret: string,
  identity: DeliveryIdentity,
  body: string | Uint8Array,
): Record<string, string> {
  const timestamp = String(identity.timestamp);
  const attempt = String(identity.attempt);
  const signature = hmacHex(secret, signedText(timestamp, identity.messageId, attempt, body));
  return {
    [SIGNATURE_HEADER]: `${SIGNATURE_SCHEME}=${signature}`,
    [TIMESTAMP_HEADER]: timestamp,
    [MESSAGE_ID_HEADER]: identity.messageId,
    [ATTEMPT_HEADER]: attempt,
  };
}

/** Signature headers as received, before anything about them is trusted. */
export interface ReceivedSignature {
  signature: string;
  timestamp: string;
  messageId: string;
  attempt: string;
}

/**
 * Whether `received` was signed with one of `secrets` over `body`. Every comparison is
 * constant-time and every secret is tried, so timing reveals neither the signature nor
 * which secret matched.
 */
export function verifyDeliverySignature(
  secrets: readonly string[],
  received: ReceivedSignature,
  body: string | Uint8Array,
): boolean {
  const offered = parseSignatureHeader(received.signature);
  if (offered.length === 0) return false;
  const text = signedText(received.timestamp, received.messageId, received.attempt, body);
  let matched = false;
  for (const secret of secrets) {
    const expected = Buffer.from(hmacHex(secret, text), 'hex');
    for (const candidate of offered) {
      if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) {
        matched = true;
      }
    }
  }
  return matched;
}

/** The `v1` values of a signature header, decoded; other schemes and junk are ignored. */
export function parseSignatureHeader(header: string): Buffer[] {
  return header
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.startsWith(`${SIGNATURE_SCHEME}=`))
    .map((part) => part.slice(SIGNATURE_SCHEME.length + 1))
    .filter((hex) => /^[0-9a-f]{64}$/i.test(hex))
    .map((hex) => Buffer.from(hex, 'hex'));
}

function signedText(
  timestamp: string,
  messageId: string,
  attempt: string,
  body: string | Uint8Array,
): string {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return `${timestamp}.${messageId}.${attempt}.${bodyHash}`;
}

function hmacHex(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('hex');
}
