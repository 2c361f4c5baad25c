import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MissingSettingError, WorldkitConfigError } from '../errors.js';
import { resolveSetting } from './env-setting.js';

const tableSetting = {
  packageName: '@example/dynamo',
  option: 'table',
  envVar: 'EXAMPLE_TABLE',
  schema: z.string().regex(/^[a-zA-Z0-9_.-]{3,255}$/),
  expected: 'a DynamoDB table name (3-255 of a-z A-Z 0-9 _ . -)',
};

afterEach(() => {
  delete process.env.EXAMPLE_TABLE;
});

describe('resolveSetting', () => {
  it('prefers the explicit option over the environment', () => {
    process.env.EXAMPLE_TABLE = 'from-env';
    expect(resolveSetting(tableSetting, 'explicit')).toBe('explicit');
  });

  it('falls back to the environment variable, then to the default', () => {
    process.env.EXAMPLE_TABLE = 'from-env';
    expect(resolveSetting(tableSetting, undefined)).toBe('from-env');
    delete process.env.EXAMPLE_TABLE;
    expect(resolveSetting(tableSetting, undefined, 'fallback')).toBe('fallback');
  });

  it('names the option and the env var when neither is set', () => {
    const run = () => resolveSetting(tableSetting, undefined);
    expect(run).toThrow(MissingSettingError);
    expect(run).toThrow(
      '@example/dynamo: option "table" is required (expected a DynamoDB table name (3-255 of a-z A-Z 0-9 _ . -)); pass it to the provider or set env EXAMPLE_TABLE.',
    );
  });

  it('says the bad value came from the environment', () => {
    process.env.EXAMPLE_TABLE = 'x';
    try {
      resolveSetting(tableSetting, undefined);
      throw new Error('expected a WorldkitConfigError');
    } catch (error) {
      expect(WorldkitConfigError.is(error)).toBe(true);
      expect((error as Error).message).toBe(
        'Invalid @example/dynamo options:\n  - table: expected a DynamoDB table name (3-255 of a-z A-Z 0-9 _ . -), got "x" (from env EXAMPLE_TABLE)',
      );
    }
  });
});
