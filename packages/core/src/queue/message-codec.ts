/**
 * Encodes runtime queue payloads as JSON text that keeps `Uint8Array` and `Date` values,
 * so any transport that stores strings (SQS bodies, Redis, SQL text) carries them intact.
 */
const BYTES_TAG = '$wk:bytes';
const DATE_TAG = '$wk:date';

export function encodeMessage(payload: unknown): string {
  return JSON.stringify(payload, function replacer(this: Record<string, unknown>, key, value) {
    const original = this[key];
    if (original instanceof Uint8Array)
      return { [BYTES_TAG]: Buffer.from(original).toString('base64') };
    if (original instanceof Date) return { [DATE_TAG]: original.toISOString() };
    return value;
  });
}

export function decodeMessage(text: string): unknown {
  return JSON.parse(text, (_key, value) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const keys = Object.keys(value);
      if (keys.length === 1 && keys[0] === BYTES_TAG && typeof value[BYTES_TAG] === 'string') {
        return new Uint8Array(Buffer.from(value[BYTES_TAG], 'base64'));
      }
      if (keys.length === 1 && keys[0] === DATE_TAG && typeof value[DATE_TAG] === 'string') {
        return new Date(value[DATE_TAG]);
      }
    }
    return value;
  });
}
