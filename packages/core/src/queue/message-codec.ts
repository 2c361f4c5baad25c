import { decodeTaggedJson, encodeTaggedJson } from '@worldkit/provider';

/**
 * Queue payloads as Worldkit's tagged JSON (`@worldkit/provider`), so any transport that carries
 * strings (SQS bodies, Redis, SQL text, the local journal) keeps `Uint8Array` and `Date` values,
 * and a payload holding objects shaped like tags comes back exactly as it was sent.
 */
export function encodeMessage(payload: unknown): string {
  return encodeTaggedJson(payload);
}

export function decodeMessage(text: string): unknown {
  return decodeTaggedJson(text);
}
