import {
  type ClaimStore,
  describeValue,
  resolveSetting,
  WorldkitConfigError,
} from '@worldkit/core';
import { z } from 'zod';

export const PACKAGE_NAME = '@worldkit/http';

export const SECRET_ENV = 'WORLDKIT_DISPATCH_SECRET';
export const PREVIOUS_SECRETS_ENV = 'WORLDKIT_DISPATCH_PREVIOUS_SECRETS';
export const TOLERANCE_ENV = 'WORLDKIT_DISPATCH_TOLERANCE_SECONDS';
export const REQUEST_TIMEOUT_ENV = 'WORLDKIT_DISPATCH_TIMEOUT_MS';
export const MAX_BODY_BYTES_ENV = 'WORLDKIT_DISPATCH_MAX_BODY_BYTES';

/** Shorter secrets are refused: HMAC-SHA256 keys should carry at least 256 bits. */
export const MIN_SECRET_LENGTH = 32;
/** How far a delivery's timestamp may be from the receiver's clock, either way. */
export const DEFAULT_TOLERANCE_SECONDS = 300;
/**
 * A step's body runs inside the delivery request, so the timeout must outlast the longest
 * step: if the dispatcher gives up first, it redelivers while the first attempt still runs.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 300_000;
/**
 * Largest delivery body an app reads. Envelopes carry runtime payloads: an SQS message is at
 * most 1 MiB, other queues carry more, so the default leaves room; a body past it is refused
 * while it streams in, before the signature is checked, so a forged request cannot make the
 * app buffer it.
 */
export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;
/** Deliveries remembered for replay detection; the oldest are forgotten first beyond this. */
export const DEFAULT_REPLAY_CACHE_SIZE = 100_000;

/** What users pass to `httpCompute(...)`. */
export interface HttpComputeSettings {
  /** Shared HMAC secret, at least 32 characters (env `WORLDKIT_DISPATCH_SECRET`). */
  secret?: string;
  /**
   * Secrets still accepted when verifying, never used to sign: rotate by deploying the new
   * secret everywhere with the old one here, then dropping it (env
   * `WORLDKIT_DISPATCH_PREVIOUS_SECRETS`, comma-separated).
   */
  previousSecrets?: string[];
  /** Accepted clock difference in seconds (default 300, env `WORLDKIT_DISPATCH_TOLERANCE_SECONDS`). */
  toleranceSeconds?: number;
  /** How long a dispatch waits for the app's answer (default 300000, env `WORLDKIT_DISPATCH_TIMEOUT_MS`). */
  requestTimeoutMs?: number;
  /**
   * Where the receiving app claims each accepted delivery, so a replay is refused: by default
   * the World's durable claim store (PostgreSQL, DynamoDB or Redis: shared by every instance,
   * kept across restarts), else this process's memory, with a warning. `'memory'` chooses the
   * memory without the warning (a single instance); any object with `claimOnce` is used as is.
   */
  replayCache?: ClaimStore | 'memory';
  /** Deliveries remembered for replay detection when they are kept in memory (default 100000). */
  replayCacheSize?: number;
  /** Largest delivery body the app reads, in bytes (default 32 MiB, env `WORLDKIT_DISPATCH_MAX_BODY_BYTES`). */
  maxBodyBytes?: number;
  /** A `fetch` to dispatch with instead of the global one (tests, custom agents). */
  fetch?: typeof fetch;
}

export interface ResolvedHttpComputeSettings {
  /** Signs outgoing deliveries; first of `acceptedSecrets`. */
  signingSecret: string;
  acceptedSecrets: readonly string[];
  toleranceSeconds: number;
  requestTimeoutMs: number;
  /** `undefined`: the World's claim store, else memory. */
  replayCache: ClaimStore | 'memory' | undefined;
  replayCacheSize: number;
  maxBodyBytes: number;
  fetch: typeof fetch;
}

const KNOWN_OPTIONS = new Set([
  'secret',
  'previousSecrets',
  'toleranceSeconds',
  'requestTimeoutMs',
  'replayCache',
  'replayCacheSize',
  'maxBodyBytes',
  'fetch',
]);

const SECRET_EXPECTED = `a string of at least ${MIN_SECRET_LENGTH} characters`;

/**
 * Validates settings synchronously when the config loads. Errors about secrets say what is
 * wrong (type, length) but never show the value, so a log of the error leaks nothing.
 */
export function resolveHttpComputeSettings(
  settings: HttpComputeSettings = {},
): ResolvedHttpComputeSettings {
  const unknown = Object.keys(settings).filter((key) => !KNOWN_OPTIONS.has(key));
  if (unknown.length > 0) {
    throw configError(
      unknown.map((key) => ({
        key,
        expected: 'no such option (check the spelling)',
        // The value of a misspelt `secret` is a secret too.
        received: 'an unknown option (value not shown)',
      })),
    );
  }

  const signingSecret = resolveSecret(settings.secret);
  const previousSecrets = resolvePreviousSecrets(settings.previousSecrets);
  return {
    signingSecret,
    acceptedSecrets: [signingSecret, ...previousSecrets.filter((s) => s !== signingSecret)],
    toleranceSeconds: resolveSetting(
      {
        packageName: PACKAGE_NAME,
        option: 'toleranceSeconds',
        envVar: TOLERANCE_ENV,
        schema: z.coerce.number().int().min(1).max(3600),
        expected: 'a whole number of seconds from 1 to 3600',
      },
      settings.toleranceSeconds,
      DEFAULT_TOLERANCE_SECONDS,
    ),
    requestTimeoutMs: resolveSetting(
      {
        packageName: PACKAGE_NAME,
        option: 'requestTimeoutMs',
        envVar: REQUEST_TIMEOUT_ENV,
        schema: z.coerce.number().int().min(1).max(3_600_000),
        expected: 'a whole number of milliseconds from 1 to 3600000',
      },
      settings.requestTimeoutMs,
      DEFAULT_REQUEST_TIMEOUT_MS,
    ),
    replayCache: resolveReplayCache(settings.replayCache),
    replayCacheSize: resolveReplayCacheSize(settings.replayCacheSize),
    maxBodyBytes: resolveSetting(
      {
        packageName: PACKAGE_NAME,
        option: 'maxBodyBytes',
        envVar: MAX_BODY_BYTES_ENV,
        schema: z.coerce.number().int().min(1024),
        expected: 'a whole number of bytes, at least 1024',
      },
      settings.maxBodyBytes,
      DEFAULT_MAX_BODY_BYTES,
    ),
    fetch: resolveFetch(settings.fetch),
  };
}

function resolveSecret(value: unknown): string {
  // Any candidate passes resolveSetting's own check (it would print a rejected value);
  // the real check below describes the value without showing it.
  const candidate = resolveSetting<unknown>(
    {
      packageName: PACKAGE_NAME,
      option: 'secret',
      envVar: SECRET_ENV,
      schema: z.unknown(),
      expected: SECRET_EXPECTED,
    },
    value,
  );
  if (typeof candidate === 'string' && candidate.length >= MIN_SECRET_LENGTH) return candidate;
  throw configError([
    {
      key: 'secret',
      expected: SECRET_EXPECTED,
      received: describeHidden(candidate),
      ...(value === undefined ? { fromEnv: SECRET_ENV } : { envVar: SECRET_ENV }),
    },
  ]);
}

function resolvePreviousSecrets(value: unknown): string[] {
  const fromEnv = process.env[PREVIOUS_SECRETS_ENV];
  const candidate =
    value ?? (fromEnv ? fromEnv.split(',').map((secret) => secret.trim()) : undefined);
  if (candidate === undefined) return [];
  const envSource = value === undefined ? { fromEnv: PREVIOUS_SECRETS_ENV } : {};
  if (!Array.isArray(candidate)) {
    throw configError([
      {
        key: 'previousSecrets',
        expected: `an array of secrets (${SECRET_EXPECTED} each)`,
        received: describeHidden(candidate),
      },
    ]);
  }
  candidate.forEach((secret, index) => {
    if (typeof secret === 'string' && secret.length >= MIN_SECRET_LENGTH) return;
    throw configError([
      {
        key: `previousSecrets.${index}`,
        expected: SECRET_EXPECTED,
        received: describeHidden(secret),
        ...envSource,
      },
    ]);
  });
  return candidate as string[];
}

function resolveReplayCache(value: unknown): ClaimStore | 'memory' | undefined {
  if (value === undefined || value === 'memory') return value;
  if (value && typeof value === 'object' && typeof (value as ClaimStore).claimOnce === 'function') {
    return value as ClaimStore;
  }
  throw configError([
    {
      key: 'replayCache',
      expected: "'memory' or a claim store (an object with claimOnce(key, expiresAtMs))",
      received: describeValue(value),
    },
  ]);
}

function resolveReplayCacheSize(value: number | undefined): number {
  if (value === undefined) return DEFAULT_REPLAY_CACHE_SIZE;
  if (Number.isInteger(value) && value >= 1 && value <= 10_000_000) return value;
  throw configError([
    {
      key: 'replayCacheSize',
      expected: 'a whole number from 1 to 10000000',
      received: describeValue(value),
    },
  ]);
}

function resolveFetch(value: typeof fetch | undefined): typeof fetch {
  if (value === undefined) return (input, init) => globalThis.fetch(input, init);
  if (typeof value === 'function') return value;
  throw configError([
    { key: 'fetch', expected: 'a fetch function', received: describeValue(value) },
  ]);
}

/** Type and length only: enough to fix a config, useless to an attacker reading logs. */
function describeHidden(value: unknown): string {
  if (typeof value === 'string') return `a string of ${value.length} characters (value not shown)`;
  if (Array.isArray(value)) return 'an array (value not shown)';
  return value === null ? 'null' : `a ${typeof value} (value not shown)`;
}

function configError(problems: ConstructorParameters<typeof WorldkitConfigError>[0]) {
  return new WorldkitConfigError(problems, `${PACKAGE_NAME} options`);
}
