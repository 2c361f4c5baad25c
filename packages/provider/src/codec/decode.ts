import { isUnstorableText } from './encode.js';
import { unescapeLiteral } from './escape.js';
import { BYTES_TAG, canonicalBase64, DATE_TAG, LITERAL_TAG, TEXT_TAG, tagNameOf } from './tags.js';

/** What a tag reader returns when the content is not what a writer produces. */
export const NOT_A_TAG: unique symbol = Symbol('worldkit.notATag');

/**
 * Reads one backend tag's content. `root` says whether the tag is the whole stored value (some
 * tags are only ever written there). Returns {@link NOT_A_TAG} when the content is not valid, so
 * the object is returned as the user's plain data; it never throws.
 */
export type TagReader = (content: unknown, where: { readonly root: boolean }) => unknown;

/** Which tags one store has ever written, besides dates, bytes and escaped objects. */
export interface TaggedJsonDecoding {
  /** Revive `$wk:text` (only stores that write it: PostgreSQL). */
  readonly text?: boolean;
  /** Backend tags by name, e.g. DynamoDB's blob references. */
  readonly tags?: Readonly<Record<string, TagReader>>;
}

/** A `$wk:date` is genuine only as `toISOString()` writes it: it reads back to the same text. */
function readDate(content: unknown): Date | typeof NOT_A_TAG {
  if (typeof content !== 'string') return NOT_A_TAG;
  const date = new Date(content);
  if (Number.isNaN(date.getTime()) || date.toISOString() !== content) return NOT_A_TAG;
  return date;
}

function readBytes(content: unknown): Uint8Array | typeof NOT_A_TAG {
  const bytes = canonicalBase64(content);
  // A copy: a small Buffer is a view into Node's shared pool.
  return bytes ? new Uint8Array(bytes) : NOT_A_TAG;
}

/** A `$wk:text` is genuine only for text that needed it: whole UTF-16 units holding NUL or a lone surrogate. */
function readText(content: unknown): string | typeof NOT_A_TAG {
  const bytes = canonicalBase64(content);
  if (!bytes || bytes.byteLength % 2 !== 0) return NOT_A_TAG;
  const text = bytes.toString('utf16le');
  return isUnstorableText(text) ? text : NOT_A_TAG;
}

function readTag(name: string, content: unknown, root: boolean, decoding: TaggedJsonDecoding) {
  if (name === DATE_TAG) return readDate(content);
  if (name === BYTES_TAG) return readBytes(content);
  if (name === TEXT_TAG) return decoding.text ? readText(content) : NOT_A_TAG;
  const reader =
    decoding.tags && Object.hasOwn(decoding.tags, name) ? decoding.tags[name] : undefined;
  return reader ? reader(content, { root }) : NOT_A_TAG;
}

/** Decodes every member (or element) in place: the parse result is ours alone. */
function decodeMembers(
  container: Record<string, unknown> | unknown[],
  decoding: TaggedJsonDecoding,
): unknown {
  if (Array.isArray(container)) {
    for (let index = 0; index < container.length; index++) {
      container[index] = decodeNode(container[index], false, decoding);
    }
  } else {
    // An own `__proto__` member (from JSON.parse) is assigned as a member, not the prototype.
    for (const key of Object.keys(container)) {
      container[key] = decodeNode(container[key], false, decoding);
    }
  }
  return container;
}

function decodeNode(node: unknown, root: boolean, decoding: TaggedJsonDecoding): unknown {
  if (node === null || typeof node !== 'object') return node;
  const name = tagNameOf(node);
  if (name !== undefined) {
    const content = (node as Record<string, unknown>)[name];
    if (name === LITERAL_TAG) {
      const literal = unescapeLiteral(content);
      if (literal) return decodeMembers(literal, decoding);
    } else {
      const value = readTag(name, content, root, decoding);
      if (value !== NOT_A_TAG) return value;
    }
  }
  return decodeMembers(node as Record<string, unknown> | unknown[], decoding);
}

/**
 * Revives an already parsed tagged-JSON value (it is changed in place and returned).
 *
 * The rule, for data of every Worldkit version:
 * - an object is a tag only when it has exactly one member, named like a known tag of this
 *   store, and content a writer produces (`$wk:date`: an ISO string that `toISOString` returns
 *   unchanged; `$wk:bytes`: canonical base64; `$wk:text`: canonical base64 of UTF-16 text holding
 *   NUL or a lone surrogate; backend tags: whatever their reader accepts);
 * - `{"$wk:literal": X}` is an escaped user object when X itself has tag shape: X comes back,
 *   its member's value decoded but X never read as a tag;
 * - any other object, including every malformed tag lookalike, is the user's plain object and is
 *   returned as such, its members decoded. Decoding never throws on a stored value.
 *
 * Data written before the escape existed is read as before, except that malformed lookalikes now
 * come back as plain data instead of as broken values. Two shapes stay ambiguous in such old
 * data, as they always were: a user object identical to a valid tag (`{"$wk:date": <an ISO string
 * toISOString returns>}`) is read as the tag, and a `{"$wk:literal": {"$wk:…": …}}` object is
 * read as escaped. Everything written since is unambiguous.
 */
export function decodeTaggedValue(parsed: unknown, decoding: TaggedJsonDecoding = {}): unknown {
  return decodeNode(parsed, true, decoding);
}

/** Parses and revives tagged JSON text written by `encodeTaggedJson`; throws only on text that is not JSON. */
export function decodeTaggedJson(text: string, decoding: TaggedJsonDecoding = {}): unknown {
  return decodeTaggedValue(JSON.parse(text), decoding);
}
