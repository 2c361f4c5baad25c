import { SerializedValue } from './run-input-decoding.js';

/**
 * A small JSON Schema subset for workflow inputs (`manifest.inputSchemas`): type, properties,
 * required, items / prefixItems, enum, minItems / maxItems. Enough to say "v2 needs a second
 * argument v1 runs do not have"; schemas that need more should be checked by the caller.
 * Returns one message per mismatch, with a JSON-pointer-like path.
 */
type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  prefixItems?: Schema[];
  enum?: unknown[];
  minItems?: number;
  maxItems?: number;
};

export function checkAgainstSchema(value: unknown, schema: unknown, path = ''): string[] {
  if (!schema || typeof schema !== 'object') return [];
  const rule = schema as Schema;
  const at = path || '(input)';
  if (rule.type) {
    const types = Array.isArray(rule.type) ? rule.type : [rule.type];
    const actual = jsonType(value);
    if (!types.includes(actual) && !(actual === 'integer' && types.includes('number'))) {
      return [`${at} should be ${types.join(' or ')}, got ${actual}`];
    }
  }
  if (rule.enum && !rule.enum.some((option) => Object.is(option, value))) {
    return [`${at} should be one of ${JSON.stringify(rule.enum)}`];
  }
  const problems: string[] = [];
  if (Array.isArray(value)) {
    if (rule.minItems !== undefined && value.length < rule.minItems) {
      problems.push(`${at} needs at least ${rule.minItems} item(s), got ${value.length}`);
    }
    if (rule.maxItems !== undefined && value.length > rule.maxItems) {
      problems.push(`${at} allows at most ${rule.maxItems} item(s), got ${value.length}`);
    }
    value.forEach((item, index) => {
      const itemSchema = rule.prefixItems?.[index] ?? rule.items;
      problems.push(...checkAgainstSchema(item, itemSchema, `${path}/${index}`));
    });
  } else if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    for (const key of rule.required ?? []) {
      if (!(key in record)) problems.push(`${path}/${key} is required`);
    }
    for (const [key, propertySchema] of Object.entries(rule.properties ?? {})) {
      if (key in record)
        problems.push(...checkAgainstSchema(record[key], propertySchema, `${path}/${key}`));
    }
  }
  return problems;
}

/** The JSON Schema type of `value`; values JSON has no type for are named by their class. */
function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (value instanceof SerializedValue) return value.type;
  if (value instanceof Date || value instanceof Map || value instanceof Set) {
    return value.constructor.name;
  }
  return typeof value;
}
