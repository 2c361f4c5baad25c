import { MissingSettingError, WorldkitConfigError } from '@worldkit/core';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { httpCompute } from './http-compute.js';
import {
  DEFAULT_REPLAY_CACHE_SIZE,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_TOLERANCE_SECONDS,
  PREVIOUS_SECRETS_ENV,
  REQUEST_TIMEOUT_ENV,
  resolveHttpComputeSettings,
  SECRET_ENV,
  TOLERANCE_ENV,
} from './settings.js';

const ENV_VARS = [SECRET_ENV, PREVIOUS_SECRETS_ENV, TOLERANCE_ENV, REQUEST_TIMEOUT_ENV];
// Each test starts without these variables; the originals come back after.
const saved = Object.fromEntries(ENV_VARS.map((name) => [name, process.env[name]]));
beforeEach(() => {
  for (const name of ENV_VARS) delete process.env[name];
});
afterAll(() => {
  for (const name of ENV_VARS) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

const SECRET = 'settings-test-secret-0123456789abcdef';
const SHORT_SECRET = 'short-but-secret-value';

function thrown(resolve: () => unknown): Error {
  try {
    resolve();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('http compute settings', () => {
  it('fills defaults around an explicit secret', () => {
    const resolved = resolveHttpComputeSettings({ secret: SECRET });
    expect(resolved).toMatchObject({
      signingSecret: SECRET,
      acceptedSecrets: [SECRET],
      toleranceSeconds: DEFAULT_TOLERANCE_SECONDS,
      requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
      replayCacheSize: DEFAULT_REPLAY_CACHE_SIZE,
    });
    expect(typeof resolved.fetch).toBe('function');
  });

  it('reads every setting from the environment', () => {
    process.env[SECRET_ENV] = SECRET;
    process.env[PREVIOUS_SECRETS_ENV] = `old-secret-number-one-0123456789abcdef, ${'x'.repeat(40)}`;
    process.env[TOLERANCE_ENV] = '60';
    process.env[REQUEST_TIMEOUT_ENV] = '1500';
    expect(resolveHttpComputeSettings()).toMatchObject({
      signingSecret: SECRET,
      acceptedSecrets: [SECRET, 'old-secret-number-one-0123456789abcdef', 'x'.repeat(40)],
      toleranceSeconds: 60,
      requestTimeoutMs: 1500,
    });
  });

  it('names the option and the env var when no secret is given', () => {
    const error = thrown(() => httpCompute());
    expect(MissingSettingError.is(error)).toBe(true);
    expect(error.message).toBe(
      '@worldkit/http: option "secret" is required (expected a string of at least 32 characters); pass it to the provider or set env WORLDKIT_DISPATCH_SECRET.',
    );
  });

  it('refuses a short or non-string secret without showing it', () => {
    const explicit = thrown(() => httpCompute({ secret: SHORT_SECRET }));
    expect(WorldkitConfigError.is(explicit)).toBe(true);
    expect(explicit.message).toContain(
      'secret: expected a string of at least 32 characters, got a string of 22 characters (value not shown) (or set env WORLDKIT_DISPATCH_SECRET)',
    );
    expect(explicit.message).not.toContain(SHORT_SECRET);

    process.env[SECRET_ENV] = SHORT_SECRET;
    const fromEnv = thrown(() => httpCompute());
    expect(fromEnv.message).toContain('(from env WORLDKIT_DISPATCH_SECRET)');
    expect(fromEnv.message).not.toContain(SHORT_SECRET);

    const numeric = thrown(() => httpCompute({ secret: 12345 as unknown as string }));
    expect(numeric.message).toContain('got a number (value not shown)');
    expect(numeric.message).not.toContain('12345');

    const previous = thrown(() =>
      httpCompute({ secret: SECRET, previousSecrets: [SECRET, SHORT_SECRET] }),
    );
    expect(previous.message).toContain('previousSecrets.1: expected a string of at least 32');
    expect(previous.message).not.toContain(SHORT_SECRET);
  });

  it('does not echo the value of a misspelt option, which may be the secret', () => {
    const error = thrown(() =>
      httpCompute({ secret: SECRET, secrte: SECRET } as unknown as Parameters<
        typeof httpCompute
      >[0]),
    );
    expect(error.message).toContain('secrte: expected no such option (check the spelling)');
    expect(error.message).not.toContain(SECRET);
  });

  it('checks tolerance and timeout bounds, naming their env vars', () => {
    expect(() => httpCompute({ secret: SECRET, toleranceSeconds: 0 })).toThrow(
      /toleranceSeconds: expected a whole number of seconds from 1 to 3600, got 0 \(or set env WORLDKIT_DISPATCH_TOLERANCE_SECONDS\)/,
    );
    process.env[REQUEST_TIMEOUT_ENV] = 'soon';
    expect(() => httpCompute({ secret: SECRET })).toThrow(
      /requestTimeoutMs: .*from env WORLDKIT_DISPATCH_TIMEOUT_MS/,
    );
  });

  it('declares the compute slot with multiVersion and signed capabilities', () => {
    const provider = httpCompute({ secret: SECRET });
    expect(provider).toMatchObject({
      slot: 'compute',
      specificationVersion: 'v1',
      name: 'http',
      packageName: '@worldkit/http',
      capabilities: { multiVersion: true, signed: true },
    });
    expect(JSON.stringify(provider)).not.toContain(SECRET);
  });
});
