import { describe, expect, it } from 'vitest';
import { checkAgainstSchema } from './input-schema-check.js';
import { decodeRunInput, SerializedValue } from './run-input-decoding.js';

// Payloads as @workflow/core 4.8.9 stores them (copied from its `dehydrateWorkflowArguments`
// output; test/versions-input-schema.test.ts produces them with the runtime itself).
const prefixed = (format: string, text: string) => new TextEncoder().encode(`${format}${text}`);

describe('decodeRunInput', () => {
  it('reads devalue text behind the "devl" prefix (spec version 2+)', () => {
    // stringify(['ada', { id: 3, tags: ['x'] }])
    const input = prefixed('devl', '[[1,2],"ada",{"id":3,"tags":4},3,[5],"x"]');
    expect(decodeRunInput(input)).toEqual({
      readable: true,
      args: ['ada', { id: 3, tags: ['x'] }],
    });
  });

  it("reads the legacy flattened array (spec version 1), not the array's own entries", () => {
    expect(decodeRunInput([[1, 2], 'ada', { id: 3 }, 3])).toEqual({
      readable: true,
      args: ['ada', { id: 3 }],
    });
  });

  it("revives the runtime's reducers for plain values and keeps other types by name", () => {
    // The runtime's output for [new Date(0), 5n, new Map([['k', 1]]), new Set([2]),
    // Object.create(null) with a: 1, undefined, -0], plus a ReadableStream's entry at the end.
    const text =
      '[[1,3,5,10,13,-1,-6,14],["Date",2],"1970-01-01T00:00:00.000Z",["BigInt",4],"5",' +
      '["Map",6],[7],[8,9],"k",1,["Set",11],[12],2,["null","a",9],' +
      '["ReadableStream",15],{"name":"strm_1"}]';
    const decoded = decodeRunInput(prefixed('devl', text));
    expect(decoded.readable).toBe(true);
    if (!decoded.readable) return;
    const [date, big, map, set, nullProto, missing, negativeZero, stream] = decoded.args;
    expect(date).toEqual(new Date(0));
    expect(big).toBe(5n);
    expect(map).toEqual(new Map([['k', 1]]));
    expect(set).toEqual(new Set([2]));
    expect(nullProto).toEqual({ a: 1 });
    expect(missing).toBeUndefined();
    expect(Object.is(negativeZero, -0)).toBe(true);
    expect(stream).toEqual(new SerializedValue('ReadableStream'));
    expect(checkAgainstSchema(decoded.args, { prefixItems: [{ type: 'string' }] })).toEqual([
      '/0 should be string, got Date',
    ]);
  });

  it('says why an input cannot be read', () => {
    expect(decodeRunInput(prefixed('encr', 'ciphertext'))).toEqual({
      readable: false,
      reason: 'it is encrypted',
    });
    expect(decodeRunInput(prefixed('cbor', 'x'))).toEqual({
      readable: false,
      reason: 'its serialization format "cbor" is unknown',
    });
    expect(decodeRunInput(undefined)).toEqual({
      readable: false,
      reason: 'it is stored in an unknown shape (undefined)',
    });
    expect(decodeRunInput(prefixed('devl', '[5]'))).toEqual({
      readable: false,
      reason: 'it is not a list of arguments',
    });
    const broken = decodeRunInput(prefixed('devl', '[[1,9]]'));
    expect(broken).toEqual({
      readable: false,
      reason: 'it could not be decoded (reference out of range)',
    });
  });
});
