import { escapeIfTagLike } from './escape.js';
import { BYTES_TAG, DATE_TAG, type TagObject, TEXT_TAG, toBase64 } from './tags.js';

/** How one store writes tagged JSON beyond dates and bytes, which every writer tags. */
export interface TaggedJsonEncoding {
  /**
   * Write strings holding NUL or a lone surrogate as `$wk:text`: for stores that refuse them
   * in JSON text (PostgreSQL `jsonb`). Off elsewhere, because `JSON.stringify` escapes them and
   * readers written before this tag existed would not revive it.
   */
  readonly text?: boolean;
  /**
   * Offered every `Uint8Array` first: a backend tag to write instead of inline `$wk:bytes`
   * (DynamoDB writes large arrays as blob references), or `undefined` to write them inline.
   */
  readonly bytes?: (bytes: Uint8Array) => TagObject | undefined;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what jsonb refuses
const UNSTORABLE_TEXT = /\u0000|\p{Cs}/u;

/** Whether `$wk:text` must carry this string (and so whether a `$wk:text` tag could be genuine). */
export function isUnstorableText(text: string): boolean {
  return UNSTORABLE_TEXT.test(text);
}

/**
 * Encodes a value as Worldkit's tagged JSON text: `Date` → `$wk:date`, `Uint8Array` →
 * `$wk:bytes` (or the backend's tag), optionally unstorable strings → `$wk:text`, and every user
 * object of tag shape escaped (`escape.ts`), so `decodeTaggedJson` returns exactly what was
 * written. Everything else is `JSON.stringify`'s output, byte for byte as earlier versions wrote
 * it. Like `JSON.stringify`, a top-level `undefined` gives `undefined`, and an invalid `Date`
 * throws a `RangeError` (it has no ISO form to store).
 */
export function encodeTaggedJson(value: unknown, encoding: TaggedJsonEncoding = {}): string {
  /** Wrappers this call made: their one member is the user's object, written as is. */
  const wrappers = new WeakSet<object>();
  return JSON.stringify(value, function replacer(this: unknown, key: string, encoded: unknown) {
    // `encoded` went through `toJSON` (a Date is a string by now); the holder has the original.
    const original = (this as Record<string, unknown>)[key];
    if (original instanceof Uint8Array) {
      return encoding.bytes?.(original) ?? { [BYTES_TAG]: toBase64(original) };
    }
    if (original instanceof Date) return { [DATE_TAG]: original.toISOString() };
    if (encoding.text && typeof encoded === 'string' && isUnstorableText(encoded)) {
      return { [TEXT_TAG]: Buffer.from(encoded, 'utf16le').toString('base64') };
    }
    if (wrappers.has(this as object)) return encoded;
    const wrapper = escapeIfTagLike(encoded);
    if (wrapper) wrappers.add(wrapper);
    return wrapper ?? encoded;
  });
}
