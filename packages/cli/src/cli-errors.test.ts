import {
  MissingSettingError,
  ProviderCreateError,
  ProviderVersionError,
  WorldkitConfigError,
} from '@worldkit/core';
import { describe, expect, it } from 'vitest';
import {
  ConfigLoadError,
  describeError,
  exitCodeFor,
  ReportedFailure,
  UsageError,
} from './cli-errors.js';

describe('describeError', () => {
  it('puts a config error with several problems on one line', () => {
    const error = new WorldkitConfigError([
      {
        key: 'storage.dataDir',
        expected: 'a string',
        received: '5',
        envVar: 'WORLDKIT_LOCAL_DATA_DIR',
      },
      { key: 'queue', expected: 'object', received: 'nothing' },
    ]);
    expect(describeError(error)).toBe(
      'Invalid world config: storage.dataDir: expected a string, got 5 (or set env WORLDKIT_LOCAL_DATA_DIR); queue: expected object, got nothing',
    );
  });

  it('folds multi-line messages and looks inside message-less AggregateErrors', () => {
    expect(describeError(new Error('first\n  second\n'))).toBe('first second');
    const refused = Object.assign(new Error('connect ECONNREFUSED ::1:5432'), {
      code: 'ECONNREFUSED',
    });
    expect(describeError(new AggregateError([refused], ''))).toBe('connect ECONNREFUSED ::1:5432');
    expect(describeError(Object.assign(new Error(''), { code: 'ETIMEDOUT' }))).toBe(
      'Error (ETIMEDOUT)',
    );
    expect(describeError('plain\ntext')).toBe('plain text');
  });

  it('shows a provider whose create() threw as one line naming the provider', () => {
    const error = new ProviderCreateError(
      'storage',
      'acme',
      'acme-worldkit',
      new Error('bad table\n  at parse'),
    );
    expect(describeError(error)).toBe(
      'the storage provider `acme` (package acme-worldkit) failed to create its instance: bad table at parse',
    );
    expect(exitCodeFor(error)).toBe(2);
  });

  it('names the variable that held a bad value', () => {
    const error = new WorldkitConfigError([
      {
        key: 'deploymentId',
        expected: 'letters and digits',
        received: '"a b"',
        fromEnv: 'WORLDKIT_DEPLOYMENT_ID',
      },
    ]);
    expect(describeError(error)).toBe(
      'Invalid world config: deploymentId: expected letters and digits, got "a b" (from env WORLDKIT_DEPLOYMENT_ID)',
    );
  });
});

describe('exitCodeFor', () => {
  it('gives 2 to usage and configuration errors and 1 to everything else', () => {
    expect(exitCodeFor(new UsageError('x'))).toBe(2);
    expect(exitCodeFor(new ConfigLoadError('x'))).toBe(2);
    expect(exitCodeFor(new WorldkitConfigError([]))).toBe(2);
    expect(exitCodeFor(new MissingSettingError('@p', 'url', 'P_URL', 'a URL'))).toBe(2);
    expect(exitCodeFor(new ProviderVersionError('queue', '@p', 'v9', ['v1']))).toBe(2);
    expect(exitCodeFor(new Error('connection reset'))).toBe(1);
    expect(exitCodeFor(new ReportedFailure('doctor', 2))).toBe(2);
  });
});
