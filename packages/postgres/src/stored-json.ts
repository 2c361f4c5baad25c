/**
 * Worldkit's stored JSON: what `jsonb` columns hold. JSON has no bytes or dates, and `jsonb`
 * refuses NUL characters and lone surrogates in strings, so those values are written as
 * single-key tagged objects and revived on read. Payloads of any spec version (opaque
 * `Uint8Array`s, or legacy JSON values) round-trip exactly.
 */
const BYTES_TAG = '$wk:bytes';
const DATE_TAG = '$wk:date';
/** UTF-16 code units, base64: keeps NULs and lone surrogates intact. */
const TEXT_TAG = '$wk:text';

// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what jsonb refuses
const UNSTORABLE_TEXT = /\u0000|\p{Cs}/u;

/** Encodes a value as JSON text for a `jsonb` parameter; `undefined` becomes SQL NULL. */
export function toStoredJson(value: unknown): string | null {
  if (value === undefined) return null;
  return JSON.stringify(value, function replacer(this: Record<string, unknown>, key, encoded) {
    const original = this[key];
    if (original instanceof Uint8Array) {
      return {
        [BYTES_TAG]: Buffer.from(
          original.buffer,
          original.byteOffset,
          original.byteLength,
        ).toString('base64'),
      };
    }
    if (original instanceof Date) return { [DATE_TAG]: original.toISOString() };
    if (typeof original === 'string' && UNSTORABLE_TEXT.test(original)) {
      return { [TEXT_TAG]: Buffer.from(original, 'utf16le').toString('base64') };
    }
    return encoded;
  });
}

/** Decodes JSON text read from a `jsonb` column (selected as text); SQL NULL becomes `undefined`. */
export function fromStoredJson(text: string | null | undefined): unknown {
  if (text === null || text === undefined) return undefined;
  return JSON.parse(text, (_key, value) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const keys = Object.keys(value);
      if (keys.length === 1) {
        const tagged = value[keys[0]];
        if (typeof tagged === 'string') {
          if (keys[0] === BYTES_TAG) return new Uint8Array(Buffer.from(tagged, 'base64'));
          if (keys[0] === DATE_TAG) return new Date(tagged);
          if (keys[0] === TEXT_TAG) return Buffer.from(tagged, 'base64').toString('utf16le');
        }
      }
    }
    return value;
  });
}
