import { decodeTaggedJson, encodeTaggedJson } from '@worldkit/provider';

/**
 * What `jsonb` columns hold: Worldkit's tagged JSON (`@worldkit/provider`), with `$wk:text` on,
 * because `jsonb` refuses NUL characters and lone surrogates in strings. Payloads of any spec
 * version (opaque `Uint8Array`s, or legacy JSON values, tag lookalikes included) round-trip
 * exactly, and rows written by earlier versions read back as before.
 */
const POSTGRES_JSON = { text: true } as const;

/** Encodes a value as JSON text for a `jsonb` parameter; `undefined` becomes SQL NULL. */
export function toStoredJson(value: unknown): string | null {
  if (value === undefined) return null;
  return encodeTaggedJson(value, POSTGRES_JSON);
}

/** Decodes JSON text read from a `jsonb` column (selected as text); SQL NULL becomes `undefined`. */
export function fromStoredJson(text: string | null | undefined): unknown {
  if (text === null || text === undefined) return undefined;
  return decodeTaggedJson(text, POSTGRES_JSON);
}
