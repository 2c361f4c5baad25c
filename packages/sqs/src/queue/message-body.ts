import { gunzipSync, gzipSync } from 'node:zlib';
import { WorldkitError } from '@worldkit/provider';

/**
 * SQS message bodies accept only XML characters. `JSON.stringify` already escapes control
 * characters; it leaves U+FFFE, U+FFFF and surrogates raw. Real SQS accepts surrogate pairs
 * (characters beyond U+FFFF, e.g. emoji) but emulators such as fauxqs refuse them, and a lone
 * surrogate is refused everywhere. These code units can only occur inside JSON strings, where
 * the `\uXXXX` escape means the same thing, so escaping them keeps the body valid on both.
 */
const NON_XML_CODE_UNITS = /[\uD800-\uDFFF\uFFFE\uFFFF]/g;

/**
 * Bodies above this are gzipped (then base64-encoded, as bodies are text). SQS bills every
 * 64 KiB of a message as one request and refuses more than 1 MiB; a run's input travels in
 * its first workflow message, so large inputs would otherwise hit the limit early.
 */
export const COMPRESS_ABOVE_BYTES = 64 * 1024;
/** SQS's largest message (and what `setup` configures). */
export const SQS_MAX_MESSAGE_BYTES = 1024 * 1024;
const GZIP_TAG = '$wk:gzip';
/**
 * Largest body a compressed message may inflate to. Anyone who can send to the queue can send
 * a gzip bomb (266 KB inflating to 200 MB); the consumer stops inflating here and dead-letters
 * the message. `encodeBody` refuses larger payloads, so nothing this queue sent is ever cut.
 */
export const MAX_INFLATED_BYTES = 32 * 1024 * 1024;

export class MessageTooLargeError extends WorldkitError {
  static override readonly code = 'WORLDKIT_SQS_MESSAGE_TOO_LARGE';
  override readonly name = 'MessageTooLargeError';
  constructor(
    readonly bytes: number,
    limit = `even compressed; SQS allows ${SQS_MAX_MESSAGE_BYTES}`,
  ) {
    super(
      MessageTooLargeError.code,
      `@worldkit/sqs: the queue message is ${bytes} bytes ${limit}. Pass large workflow inputs by reference (e.g. an object-store key).`,
    );
  }
}

export function encodeBody(value: unknown): string {
  const json = JSON.stringify(value).replace(
    NON_XML_CODE_UNITS,
    (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  if (Buffer.byteLength(json) <= COMPRESS_ABOVE_BYTES) return json;
  if (Buffer.byteLength(json) > MAX_INFLATED_BYTES) {
    throw new MessageTooLargeError(
      Buffer.byteLength(json),
      `before compression; at most ${MAX_INFLATED_BYTES} are sent, the most a consumer inflates`,
    );
  }
  const compressed = JSON.stringify({ [GZIP_TAG]: gzipSync(json).toString('base64') });
  if (compressed.length > SQS_MAX_MESSAGE_BYTES) throw new MessageTooLargeError(compressed.length);
  return compressed;
}

export type DecodedBody = { ok: true; value: unknown } | { ok: false; reason: string };

/** Parses a received body; other programs may write anything to the queue. */
export function decodeBody(body: string | undefined): DecodedBody {
  if (body === undefined) return { ok: false, reason: 'malformed envelope: empty message body' };
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'malformed envelope: message body is not JSON' };
  }
  const compressed = compressedPayloadOf(value);
  if (compressed === undefined) return { ok: true, value };
  try {
    return {
      ok: true,
      value: JSON.parse(
        gunzipSync(Buffer.from(compressed, 'base64'), {
          maxOutputLength: MAX_INFLATED_BYTES,
        }).toString(),
      ),
    };
  } catch (error) {
    return {
      ok: false,
      reason: `malformed envelope: compressed body does not inflate to JSON (${error instanceof Error ? error.message : String(error)})`,
    };
  }
}

function compressedPayloadOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  const data = (value as Record<string, unknown>)[GZIP_TAG];
  return keys.length === 1 && typeof data === 'string' ? data : undefined;
}
