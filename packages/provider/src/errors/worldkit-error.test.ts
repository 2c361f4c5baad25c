import { describe, expect, it } from 'vitest';
import { MissingSettingError, WorldkitConfigError } from './config-errors.js';
import { VersionNotFoundError } from './version-errors.js';
import { isWorldkitError, WorldkitError } from './worldkit-error.js';

/**
 * A second copy of the package, as a workflow bundle carrying its own would load it: classes
 * defined again, sharing only the `Symbol.for` marker and the codes.
 */
function secondCopy() {
  const marker = Symbol.for('worldkit.error');
  class OtherWorldkitError extends Error {
    static readonly code: string = 'WORLDKIT_ERROR';
    constructor(
      readonly code: string,
      message: string,
    ) {
      super(message);
    }
  }
  Object.defineProperty(OtherWorldkitError.prototype, marker, { value: true });
  class OtherConfigError extends OtherWorldkitError {
    static override readonly code = 'WORLDKIT_CONFIG_INVALID';
    override readonly name = 'WorldkitConfigError';
    readonly problems = [];
    constructor() {
      super(OtherConfigError.code, 'Invalid world config:');
    }
  }
  return { OtherWorldkitError, OtherConfigError };
}

describe('WorldkitError', () => {
  it('carries a code and the marker; is() and instanceof hold for every subclass', () => {
    const error = new WorldkitConfigError([{ key: 'url', expected: 'a URL', received: '1' }]);
    expect(error.code).toBe('WORLDKIT_CONFIG_INVALID');
    expect(error.name).toBe('WorldkitConfigError');
    expect(error).toBeInstanceOf(Error);
    expect(error instanceof WorldkitError).toBe(true);
    expect(error instanceof WorldkitConfigError).toBe(true);
    expect(error instanceof MissingSettingError).toBe(false);
    expect(WorldkitError.is(error)).toBe(true);
    expect(WorldkitConfigError.is(error)).toBe(true);
    expect(MissingSettingError.is(error)).toBe(false);
    expect(isWorldkitError(error)).toBe(true);
    // The marker is not an own enumerable property: logs and JSON stay as they were.
    expect(Object.keys(error)).not.toContain(Symbol.for('worldkit.error').toString());
  });

  it('recognises errors thrown by another copy of the package, by marker and code', () => {
    const { OtherWorldkitError, OtherConfigError } = secondCopy();
    const foreign = new OtherConfigError();
    expect(foreign instanceof WorldkitError).toBe(true);
    expect(WorldkitError.is(foreign)).toBe(true);
    expect(foreign instanceof WorldkitConfigError).toBe(true);
    expect(WorldkitConfigError.is(foreign)).toBe(true);
    expect(foreign instanceof VersionNotFoundError).toBe(false);
    const generic = new OtherWorldkitError('WORLDKIT_SOMETHING', 'x');
    expect(WorldkitError.is(generic)).toBe(true);
    expect(WorldkitConfigError.is(generic)).toBe(false);
  });

  it('does not match plain errors, look-alikes without the marker, or non-errors', () => {
    const lookAlike = Object.assign(new Error('x'), {
      name: 'WorldkitConfigError',
      code: 'WORLDKIT_CONFIG_INVALID',
    });
    for (const value of [lookAlike, new Error('x'), 'WorldkitConfigError', null, undefined, {}]) {
      expect(WorldkitError.is(value)).toBe(false);
      expect(WorldkitConfigError.is(value)).toBe(false);
      expect(value instanceof WorldkitError).toBe(false);
    }
  });

  it('works unbound, as a filter', () => {
    const errors = [new Error('plain'), new VersionNotFoundError('vers_1')];
    expect(errors.filter(WorldkitError.is)).toHaveLength(1);
  });

  it('subclasses defined by providers match their own code only', () => {
    class DiskFullError extends WorldkitError {
      static override readonly code = 'ACME_DISK_FULL';
      constructor() {
        super(DiskFullError.code, 'disk full');
      }
    }
    const error = new DiskFullError();
    expect(DiskFullError.is(error)).toBe(true);
    expect(error instanceof DiskFullError).toBe(true);
    expect(WorldkitError.is(error)).toBe(true);
    expect(DiskFullError.is(new VersionNotFoundError('v'))).toBe(false);
  });
});
