/**
 * Serialized payloads as the runtime produces them for specVersion >= 2: opaque `Uint8Array`s.
 * Storages must return them byte-for-byte; these helpers build awkward ones and compare them
 * without dumping megabytes into a failure message.
 */

const encoder = new TextEncoder();

/** A small payload tagged with a label, so a mixed-up payload is easy to spot in a failure. */
export function bytesOf(label: string): Uint8Array {
  return encoder.encode(`payload:${label}`);
}

/** Bytes that break naive string or JSON handling: NUL bytes, 0xFF, invalid UTF-8. */
export function awkwardBytes(): Uint8Array {
  return new Uint8Array([0, 0, 1, 0, 255, 254, 0xc3, 0x28, 0, 10, 13, 34, 92, 0]);
}

/** A deterministic payload of `size` bytes (defaults to ~1 MB) covering every byte value. */
export function largePayload(size = 1024 * 1024): Uint8Array {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    data[i] = (i * 31 + (i >> 8)) & 0xff;
  }
  return data;
}

/** Describes why `actual` is not the same bytes as `expected`, or returns `undefined` if it is. */
export function byteMismatch(actual: unknown, expected: Uint8Array): string | undefined {
  if (!(actual instanceof Uint8Array)) {
    const kind = actual === null ? 'null' : typeof actual;
    const name = (actual as { constructor?: { name?: string } } | undefined)?.constructor?.name;
    return `expected a Uint8Array, got ${name ?? kind}`;
  }
  if (actual.byteLength !== expected.byteLength) {
    return `expected ${expected.byteLength} bytes, got ${actual.byteLength}`;
  }
  for (let i = 0; i < expected.byteLength; i++) {
    if (actual[i] !== expected[i]) {
      return `byte ${i} differs: expected ${expected[i]}, got ${actual[i]}`;
    }
  }
  return undefined;
}
