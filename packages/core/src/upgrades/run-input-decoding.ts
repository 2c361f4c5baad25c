/**
 * Reads a run's stored input (`run.input`) back into the workflow's arguments, so the input
 * schema check can compare them, without depending on `@workflow/core` or `devalue`.
 *
 * The format is the one `@workflow/core` 4.8.x writes (`dehydrateWorkflowArguments` in its
 * serialization.js, prefixes in serialization-format.js):
 * - spec version 2+: a `Uint8Array` of a 4-byte ASCII format prefix and a payload. `devl` is
 *   UTF-8 `devalue.stringify` text; `encr` is AES-GCM ciphertext (its plaintext is again a
 *   prefixed payload), readable only with the run's key, which this check does not have.
 * - spec version 1 (legacy): the `devalue.stringify` text's flattened JSON array itself.
 *
 * Values the runtime serializes with its own reducers (`["Date", i]`, `["Map", i]`, ...) are
 * revived when they map onto plain values; the rest (streams, class instances, Request, ...)
 * become `SerializedValue` placeholders that keep their type name for the schema messages.
 */

/** A value in the input whose type the runtime serialized but this reader does not rebuild. */
export class SerializedValue {
  constructor(readonly type: string) {}
}

export type DecodedRunInput =
  | { readable: true; args: unknown[] }
  | { readable: false; reason: string };

const FORMAT_PREFIX_LENGTH = 4;

export function decodeRunInput(input: unknown): DecodedRunInput {
  try {
    if (input instanceof Uint8Array) return decodePrefixed(input);
    if (Array.isArray(input)) return asArguments(unflatten(input));
    return unreadable(`it is stored in an unknown shape (${typeof input})`);
  } catch (error) {
    return unreadable(`it could not be decoded (${(error as Error).message})`);
  }
}

function decodePrefixed(bytes: Uint8Array): DecodedRunInput {
  if (bytes.length < FORMAT_PREFIX_LENGTH) return unreadable('it is too short to have a format');
  const format = new TextDecoder().decode(bytes.subarray(0, FORMAT_PREFIX_LENGTH));
  if (format === 'encr') return unreadable('it is encrypted');
  if (format !== 'devl') return unreadable(`its serialization format "${format}" is unknown`);
  const text = new TextDecoder().decode(bytes.subarray(FORMAT_PREFIX_LENGTH));
  return asArguments(unflatten(JSON.parse(text)));
}

function asArguments(value: unknown): DecodedRunInput {
  return Array.isArray(value)
    ? { readable: true, args: value }
    : unreadable('it is not a list of arguments');
}

const unreadable = (reason: string): DecodedRunInput => ({ readable: false, reason });

// devalue's reserved indexes (devalue/src/constants.js).
const UNDEFINED = -1;
const HOLE = -2;
const NAN = -3;
const POSITIVE_INFINITY = -4;
const NEGATIVE_INFINITY = -5;
const NEGATIVE_ZERO = -6;
const SPARSE = -7;

const constants = new Map<number, unknown>([
  [UNDEFINED, undefined],
  [NAN, Number.NaN],
  [POSITIVE_INFINITY, Number.POSITIVE_INFINITY],
  [NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY],
  [NEGATIVE_ZERO, -0],
]);

/** devalue's `unflatten`: index 0 is the root; numbers in containers point at other entries. */
function unflatten(parsed: unknown): unknown {
  if (typeof parsed === 'number') return constantAt(parsed);
  if (!Array.isArray(parsed) || parsed.length === 0) throw new Error('not a devalue payload');
  const values: unknown[] = parsed;
  const hydrated = new Map<number, unknown>();

  const hydrate = (index: unknown): unknown => {
    if (typeof index !== 'number') throw new Error('malformed reference');
    if (index < 0) return constantAt(index);
    if (hydrated.has(index)) return hydrated.get(index);
    if (index >= values.length) throw new Error('reference out of range');
    const value = values[index];
    if (!value || typeof value !== 'object') {
      hydrated.set(index, value);
      return value;
    }
    if (Array.isArray(value)) {
      if (typeof value[0] === 'string') return tagged(index, value as [string, ...unknown[]]);
      if (value[0] === SPARSE) {
        const array: unknown[] = [];
        hydrated.set(index, array);
        array.length = Number(value[1]);
        for (let i = 2; i < value.length; i += 2) array[value[i] as number] = hydrate(value[i + 1]);
        return array;
      }
      const array: unknown[] = new Array(value.length);
      hydrated.set(index, array);
      value.forEach((item, i) => {
        if (item !== HOLE) array[i] = hydrate(item);
      });
      return array;
    }
    const object: Record<string, unknown> = {};
    hydrated.set(index, object);
    for (const [key, item] of Object.entries(value)) object[key] = hydrate(item);
    return object;
  };

  /** `[type, ...]` entries: the runtime's own reducers (`[type, payloadIndex]`) or devalue's. */
  const tagged = (index: number, [type, ...rest]: [string, ...unknown[]]): unknown => {
    if (type === 'null') {
      const object: Record<string, unknown> = {};
      hydrated.set(index, object);
      for (let i = 0; i < rest.length; i += 2) object[String(rest[i])] = hydrate(rest[i + 1]);
      return object;
    }
    if (!REVIVED_TYPES.has(type)) {
      const opaque = new SerializedValue(type);
      hydrated.set(index, opaque);
      return opaque;
    }
    // The runtime's reducers point at their payload (`[type, index]`, Map as `[[key, value]]`);
    // devalue's built-in forms carry it inline (`["Date", iso]`, `["Map", key, value, ...]`).
    const reduced = rest.length === 1 && typeof rest[0] === 'number';
    let payload: unknown = reduced ? hydrate(rest[0]) : rest[0];
    if (!reduced && type === 'Set') payload = rest.map(hydrate);
    if (!reduced && type === 'Map') payload = pairs(rest.map(hydrate));
    const value = revive(type, payload);
    hydrated.set(index, value);
    return value;
  };

  return hydrate(0);
}

/** The runtime's reducer payloads that have a plain JavaScript value; others stay opaque. */
const REVIVED_TYPES = new Set(['Date', 'BigInt', 'Map', 'Set']);

function revive(type: string, payload: unknown): unknown {
  switch (type) {
    case 'Date':
      return payload === '.' ? new Date(Number.NaN) : new Date(String(payload));
    case 'BigInt':
      return BigInt(String(payload));
    case 'Map':
      return new Map(Array.isArray(payload) ? (payload as [unknown, unknown][]) : []);
    default:
      return new Set(Array.isArray(payload) ? payload : []);
  }
}

/** `[key, value, key, value]` as `[[key, value], ...]`. */
function pairs(flat: unknown[]): [unknown, unknown][] {
  const result: [unknown, unknown][] = [];
  for (let i = 0; i < flat.length; i += 2) result.push([flat[i], flat[i + 1]]);
  return result;
}

function constantAt(index: number): unknown {
  if (!constants.has(index)) throw new Error(`unknown constant ${index}`);
  return constants.get(index);
}
