import { afterEach, describe, expect, it } from 'vitest';
import { MissingSettingError, WorldkitConfigError } from '../errors/config-errors.js';
import { resolveSetting, type StandardSchemaLike } from './resolve-setting.js';

const ENV = 'WORLDKIT_PROVIDER_TEST_PORT';

/** A Standard Schema written by hand, as valibot or arktype would expose it. */
const standardPort: StandardSchemaLike<number> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: (value) => {
      const port = typeof value === 'string' ? Number(value) : value;
      return typeof port === 'number' && Number.isInteger(port) && port > 0
        ? { value: port }
        : { issues: [{ message: 'expected a port' }] };
    },
  },
};

/** Only zod's `safeParse` shape. */
const safeParsePort = {
  safeParse(value: unknown): { success: true; data: number } | { success: false } {
    const port = typeof value === 'string' ? Number(value) : value;
    return typeof port === 'number' && Number.isInteger(port) && port > 0
      ? { success: true, data: port }
      : { success: false };
  },
};

const spec = (schema: typeof standardPort | typeof safeParsePort) => ({
  packageName: '@acme/queue',
  option: 'port',
  envVar: ENV,
  schema,
  expected: 'a port number',
});

afterEach(() => {
  delete process.env[ENV];
});

describe.each([
  ['a Standard Schema', standardPort],
  ['a safeParse schema', safeParsePort],
])('resolveSetting with %s', (_label, schema) => {
  it('takes the option first, then the environment variable, then the fallback', () => {
    process.env[ENV] = '7000';
    expect(resolveSetting(spec(schema), 6379)).toBe(6379);
    expect(resolveSetting(spec(schema), undefined)).toBe(7000);
    delete process.env[ENV];
    expect(resolveSetting(spec(schema), undefined, 1234)).toBe(1234);
  });

  it('names the option and the variable when nothing is set', () => {
    expect(() => resolveSetting(spec(schema), undefined)).toThrow(MissingSettingError);
    expect(() => resolveSetting(spec(schema), undefined)).toThrow(/option "port".*env WORLDKIT_/);
  });

  it('throws a WorldkitConfigError that says a bad value came from the environment', () => {
    process.env[ENV] = 'not-a-port';
    let thrown: unknown;
    try {
      resolveSetting(spec(schema), undefined);
    } catch (error) {
      thrown = error;
    }
    expect(WorldkitConfigError.is(thrown)).toBe(true);
    expect((thrown as WorldkitConfigError).problems).toEqual([
      {
        key: 'port',
        expected: 'a port number',
        received: '"not-a-port"',
        fromEnv: ENV,
      },
    ]);
    // The variable that held the bad value, not a hint to set it.
    expect((thrown as Error).message).toBe(
      `Invalid @acme/queue options:\n  - port: expected a port number, got "not-a-port" (from env ${ENV})`,
    );
  });

  it('suggests the variable when the bad value is the option', () => {
    process.env[ENV] = '7000';
    let thrown: unknown;
    try {
      resolveSetting(spec(schema), 'not-a-port' as never);
    } catch (error) {
      thrown = error;
    }
    expect(WorldkitConfigError.is(thrown)).toBe(true);
    expect((thrown as WorldkitConfigError).problems).toEqual([
      { key: 'port', expected: 'a port number', received: '"not-a-port"', envVar: ENV },
    ]);
    expect((thrown as Error).message).toContain(`got "not-a-port" (or set env ${ENV})`);
  });
});

describe('resolveSetting', () => {
  it('refuses a Standard Schema that validates asynchronously', () => {
    const asyncSchema: StandardSchemaLike<string> = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: async (value) => ({ value: String(value) }),
      },
    };
    expect(() => resolveSetting({ ...spec(standardPort), schema: asyncSchema }, 'x')).toThrow(
      /validates asynchronously/,
    );
  });
});
