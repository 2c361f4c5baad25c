import { describe, expect, it } from 'vitest';
import { checkAgainstSchema } from './input-schema-check.js';

describe('checkAgainstSchema', () => {
  const schema = {
    type: 'array',
    minItems: 2,
    prefixItems: [
      { type: 'string' },
      { type: 'object', required: ['id'], properties: { id: { type: 'number' } } },
    ],
  };

  it('accepts matching input (integers count as numbers)', () => {
    expect(checkAgainstSchema(['a', { id: 3 }], schema)).toEqual([]);
  });

  it('names each mismatch by path', () => {
    expect(checkAgainstSchema(['a'], schema)).toEqual(['(input) needs at least 2 item(s), got 1']);
    expect(checkAgainstSchema([1, {}], schema)).toEqual([
      '/0 should be string, got integer',
      '/1/id is required',
    ]);
    expect(checkAgainstSchema(['a', { id: 'x' }], schema)).toEqual([
      '/1/id should be number, got string',
    ]);
  });
});
