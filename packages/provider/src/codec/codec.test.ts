import { describe, expect, it } from 'vitest';
import { decodeTaggedJson, NOT_A_TAG, type TaggedJsonDecoding } from './decode.js';
import { encodeTaggedJson, type TaggedJsonEncoding } from './encode.js';

/** A backend tag like DynamoDB's: blob ids, `$wk:whole` only as the whole value. */
class Reference {
  constructor(readonly id: string) {}
}
const ID = /^ref_[0-9]{3}$/;
const backend: { encoding: TaggedJsonEncoding; decoding: TaggedJsonDecoding } = {
  encoding: { bytes: (bytes) => (bytes.byteLength >= 100 ? { '$wk:ref': 'ref_001' } : undefined) },
  decoding: {
    tags: {
      '$wk:ref': (content) =>
        typeof content === 'string' && ID.test(content) ? new Reference(content) : NOT_A_TAG,
      '$wk:whole': (content, { root }) =>
        root && typeof content === 'string' && ID.test(content)
          ? new Reference(content)
          : NOT_A_TAG,
    },
  },
};

const PROFILES: Array<[string, TaggedJsonEncoding, TaggedJsonDecoding]> = [
  ['messages (dates, bytes)', {}, {}],
  ['PostgreSQL (with $wk:text)', { text: true }, { text: true }],
  ['a backend with its own tags', backend.encoding, backend.decoding],
];

const ISO = '2026-01-02T03:04:05.678Z';
const TAGS = [
  '$wk:date',
  '$wk:bytes',
  '$wk:text',
  '$wk:literal',
  '$wk:blob',
  '$wk:blobjson',
  '$wk:gzip',
  '$wk:ref',
  '$wk:whole',
  '$wk:',
  '$wk:unknown',
];
/** Contents that are valid for some tag, invalid for others, or not strings at all. */
const CONTENTS: unknown[] = [
  ISO,
  'not a date',
  'AA==',
  'AAA=',
  'YQA=',
  'AAAA',
  '',
  'ref_001',
  'blob_01ARZ3NDEKTSV4RRFFQ69G5FAV',
  '\u0000',
  null,
  1,
  true,
  [ISO],
  { a: 1 },
  { '$wk:date': ISO },
  { '$wk:bytes': 'AA==' },
  { '$wk:literal': { '$wk:date': ISO } },
];
const LOOKALIKES = TAGS.flatMap((tag) => CONTENTS.map((content) => ({ [tag]: content })));

describe.each(PROFILES)('tagged JSON: %s', (_name, encoding, decoding) => {
  const roundTrip = (value: unknown) =>
    decodeTaggedJson(encodeTaggedJson(value, encoding), decoding);

  it('round-trips every lookalike of every tag, alone, nested and in arrays', () => {
    for (const lookalike of LOOKALIKES) {
      expect(roundTrip(lookalike), JSON.stringify(lookalike)).toStrictEqual(lookalike);
      const nested = { input: lookalike, list: [lookalike, { deeper: lookalike }] };
      expect(roundTrip(nested), JSON.stringify(lookalike)).toStrictEqual(nested);
      expect(roundTrip([lookalike])).toStrictEqual([lookalike]);
      // A lookalike inside a lookalike inside a lookalike.
      const tag = Object.keys(lookalike)[0]!;
      const deep = { [tag]: { '$wk:literal': lookalike } };
      expect(roundTrip(deep), JSON.stringify(deep)).toStrictEqual(deep);
    }
  });

  it('round-trips dates and byte arrays inside lookalikes', () => {
    const value = {
      '$wk:date': new Date(ISO),
      list: [{ '$wk:bytes': new Uint8Array([0, 1, 0]) }, { '$wk:literal': new Date(0) }],
    };
    expect(roundTrip(value)).toStrictEqual(value);
    const single = { '$wk:bytes': new Uint8Array([0, 255]) };
    expect(roundTrip(single)).toStrictEqual(single);
  });

  it('round-trips dates, byte arrays with null bytes, NUL and lone surrogate strings', () => {
    const value = {
      at: new Date(ISO),
      far: new Date(8.64e15),
      bytes: new Uint8Array([0, 1, 0, 255]),
      empty: new Uint8Array(0),
      view: new Uint8Array([9, 0, 0, 7]).subarray(1, 3),
      text: 'a\u0000b',
      surrogate: '\uD800x',
      list: [new Uint8Array([0]), 'plain', 1, null, false],
    };
    const decoded = roundTrip(value) as typeof value;
    expect(decoded).toStrictEqual({ ...value, view: new Uint8Array([0, 0]) });
    expect(decoded.at).toBeInstanceOf(Date);
    expect(decoded.bytes).toBeInstanceOf(Uint8Array);
  });

  it('keeps members JSON drops out of the shape test', () => {
    // Written, this is `{"$wk:date":"x"}`: a lookalike that must be escaped.
    const value = { '$wk:date': 'x', dropped: undefined, fn: () => 1 };
    expect(roundTrip(value)).toStrictEqual({ '$wk:date': 'x' });
  });

  it('round-trips generated values with tag-shaped objects anywhere', () => {
    const random = seeded(13);
    for (let run = 0; run < 500; run++) {
      const generated = generate(random, 0);
      expect(roundTrip(generated)).toStrictEqual(generated);
    }
  });

  it('never throws on stored JSON, whatever it holds', () => {
    const random = seeded(5);
    for (let run = 0; run < 500; run++) {
      // Stored JSON of any shape: what any version, or a hand-edited row, may hold.
      const stored = JSON.stringify(generate(random, 0, false));
      expect(() => decodeTaggedJson(stored, decoding), stored).not.toThrow();
    }
    for (const lookalike of LOOKALIKES) {
      expect(() => decodeTaggedJson(JSON.stringify(lookalike), decoding)).not.toThrow();
    }
  });
});

/** A small deterministic PRNG (mulberry32), so a failure reproduces. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A value mixing tag names as keys, tag contents, dates, byte arrays, objects and arrays. */
function generate(random: () => number, depth: number, rich = true): unknown {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const kind = Math.floor(random() * (depth >= 4 ? 4 : 6));
  if (kind === 0) return pick(CONTENTS);
  if (kind === 1) return pick(['', 'x', '\u0000', 'a\uDC00b', '$wk:date', random().toString(36)]);
  if (kind === 2) return rich ? new Date(Math.floor(random() * 4e12)) : random() * 1e6;
  if (kind === 3) {
    const bytes = Uint8Array.from({ length: Math.floor(random() * 5) }, () => random() * 256);
    return rich ? bytes : Buffer.from(bytes).toString('base64');
  }
  if (kind === 4) {
    return Array.from({ length: Math.floor(random() * 4) }, () =>
      generate(random, depth + 1, rich),
    );
  }
  const object: Record<string, unknown> = {};
  const members = Math.floor(random() * 3) + (random() < 0.5 ? 1 : 0);
  for (let index = 0; index < members; index++) {
    object[random() < 0.7 ? pick(TAGS) : `k${index}`] = generate(random, depth + 1, rich);
  }
  return object;
}

describe('tagged JSON written by earlier versions (no escape)', () => {
  it('reads genuine tags as before', () => {
    const old = `{"at":{"$wk:date":"${ISO}"},"input":{"$wk:bytes":"AAEA/w=="},"list":[{"$wk:bytes":""}]}`;
    expect(decodeTaggedJson(old)).toStrictEqual({
      at: new Date(ISO),
      input: new Uint8Array([0, 1, 0, 255]),
      list: [new Uint8Array(0)],
    });
    const postgres = `{"name":{"$wk:text":"${Buffer.from('a\u0000', 'utf16le').toString('base64')}"}}`;
    expect(decodeTaggedJson(postgres, { text: true })).toStrictEqual({ name: 'a\u0000' });
  });

  it('returns malformed lookalikes as the plain objects they were', () => {
    const plain = [
      { '$wk:date': 'not a date' },
      { '$wk:date': '2026-01-02' },
      { '$wk:date': 5 },
      { '$wk:bytes': 'not base64!' },
      { '$wk:bytes': 'AB==' },
      { '$wk:bytes': { nested: true } },
      { '$wk:bytes': 'AA==', other: 1 },
      { '$wk:text': 'YQA=' },
      { '$wk:text': 'AA==' },
      { '$wk:blob': 'x' },
      { '$wk:literal': { a: 1 } },
      { '$wk:literal': 'text' },
      { '$wk:unknown': ISO },
    ];
    for (const value of plain) {
      expect(decodeTaggedJson(JSON.stringify(value), { text: true })).toStrictEqual(value);
    }
  });

  it('reads a tag only in the stores that wrote it', () => {
    const text = { '$wk:text': Buffer.from('a\u0000', 'utf16le').toString('base64') };
    expect(decodeTaggedJson(JSON.stringify(text))).toStrictEqual(text);
    expect(decodeTaggedJson(JSON.stringify({ '$wk:ref': 'ref_001' }))).toStrictEqual({
      '$wk:ref': 'ref_001',
    });
  });

  it('decodes the members of a lookalike it returns as plain data', () => {
    const old = `{"$wk:date":{"$wk:bytes":"AA=="}}`;
    expect(decodeTaggedJson(old)).toStrictEqual({ '$wk:date': new Uint8Array([0]) });
  });
});

describe('tagged JSON format', () => {
  it('writes values without lookalikes exactly as earlier versions did', () => {
    const value = {
      runId: 'wrun_1',
      at: new Date(ISO),
      input: new Uint8Array([0, 1]),
      multi: { '$wk:bytes': 'AA==', other: 1 },
      text: 'a\u0000',
    };
    expect(encodeTaggedJson(value)).toBe(
      `{"runId":"wrun_1","at":{"$wk:date":"${ISO}"},"input":{"$wk:bytes":"AAE="},"multi":{"$wk:bytes":"AA==","other":1},"text":"a\\u0000"}`,
    );
    expect(encodeTaggedJson({ text: 'a\u0000' }, { text: true })).toBe(
      `{"text":{"$wk:text":"YQAAAA=="}}`,
    );
    expect(encodeTaggedJson(undefined)).toBeUndefined();
  });

  it('escapes a tag-shaped user object with $wk:literal', () => {
    expect(encodeTaggedJson({ '$wk:date': ISO })).toBe(`{"$wk:literal":{"$wk:date":"${ISO}"}}`);
    expect(encodeTaggedJson({ '$wk:x': { '$wk:y': 1 } })).toBe(
      '{"$wk:literal":{"$wk:x":{"$wk:literal":{"$wk:y":1}}}}',
    );
  });

  it('writes backend tags and reads them only where their reader accepts them', () => {
    const large = new Uint8Array(100);
    expect(encodeTaggedJson({ large }, backend.encoding)).toBe('{"large":{"$wk:ref":"ref_001"}}');
    expect(decodeTaggedJson('{"$wk:whole":"ref_002"}', backend.decoding)).toStrictEqual(
      new Reference('ref_002'),
    );
    expect(decodeTaggedJson('{"a":{"$wk:whole":"ref_002"}}', backend.decoding)).toStrictEqual({
      a: { '$wk:whole': 'ref_002' },
    });
  });

  it('refuses an invalid Date as JSON.stringify-based writers always did', () => {
    expect(() => encodeTaggedJson({ at: new Date(Number.NaN) })).toThrow(RangeError);
  });
});
