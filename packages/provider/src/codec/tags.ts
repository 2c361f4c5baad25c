/**
 * The tag grammar of Worldkit's stored JSON, in one place.
 *
 * Stores and transports keep values as JSON text, and JSON has no bytes or dates (and some
 * stores refuse some strings), so such values are written as *tags*: a JSON object with exactly
 * one member, whose name starts with {@link TAG_PREFIX}, e.g. `{"$wk:date":"2026-01-02T03:04:05.678Z"}`.
 * Because every tag has that shape, one rule is enough to keep user values apart from tags:
 * a user object of that shape is escaped on write (see `escape.ts`), and every other object can
 * never be read as a tag.
 *
 * Tags in use (all of them start with the prefix, so none may be used by a user object unescaped):
 *
 * | tag            | content                              | written by                              |
 * | -------------- | ------------------------------------ | --------------------------------------- |
 * | `$wk:date`     | `Date#toISOString()`                 | every store and queue message           |
 * | `$wk:bytes`    | canonical base64 of a `Uint8Array`   | every store and queue message           |
 * | `$wk:text`     | canonical base64 of UTF-16LE units   | PostgreSQL (`jsonb` refuses NUL, lone surrogates) |
 * | `$wk:literal`  | a user object of one `$wk:` member   | every writer since the escape exists    |
 * | `$wk:blob`     | a blob id (`blob_<ULID>`)            | DynamoDB (large byte arrays)            |
 * | `$wk:blobjson` | a blob id, only as a whole field     | DynamoDB (large fields)                 |
 * | `$wk:gzip`     | base64 gzip of a message body        | SQS message bodies (a body wrapper)     |
 */

/** Every tag's single member name starts with this. */
export const TAG_PREFIX = '$wk:';

/** A `Date`, as its `toISOString()`. */
export const DATE_TAG = '$wk:date';
/** A `Uint8Array`, as canonical base64. */
export const BYTES_TAG = '$wk:bytes';
/** A string a store cannot hold as JSON text (NUL, lone surrogates): its UTF-16LE units in base64. */
export const TEXT_TAG = '$wk:text';
/** A user object that looks like a tag, wrapped so it is read back as the user's object. */
export const LITERAL_TAG = '$wk:literal';

/** A tag object: one member named with the tag prefix. */
export type TagObject = { readonly [tag: `$wk:${string}`]: unknown };

/** `Object.keys` would count members `JSON.stringify` drops; only these are written. */
function isWritten(member: unknown): boolean {
  return member !== undefined && typeof member !== 'function' && typeof member !== 'symbol';
}

/**
 * The member name when `value` has the shape of a tag (a non-array object whose only member
 * is named with the tag prefix), otherwise `undefined`. Members JSON does not write (`undefined`,
 * functions, symbols) are not counted, because the written text is what a reader sees.
 */
export function tagNameOf(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  let name: string | undefined;
  let written = 0;
  for (const key of Object.keys(value)) {
    if (!isWritten((value as Record<string, unknown>)[key])) continue;
    written++;
    if (written > 1) return undefined;
    name = key;
  }
  return written === 1 && name!.startsWith(TAG_PREFIX) ? name : undefined;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Base64 exactly as `Buffer#toString('base64')` writes it, so a tag's content is only accepted
 * when a writer could have produced it (Node's decoder would accept almost any string).
 */
export function canonicalBase64(content: unknown): Buffer | undefined {
  if (typeof content !== 'string' || !BASE64.test(content)) return undefined;
  const bytes = Buffer.from(content, 'base64');
  return bytes.toString('base64') === content ? bytes : undefined;
}

/** Base64 of a byte array's own bytes (not the whole underlying buffer). */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
