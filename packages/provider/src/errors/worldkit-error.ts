/**
 * The one marker every Worldkit error carries. `Symbol.for` gives the same symbol in every copy
 * of this package loaded in a process (each workflow bundle may carry its own copy), so an
 * error thrown by one copy is recognised by another, where a plain `instanceof` would not.
 */
const MARKER: unique symbol = Symbol.for('worldkit.error') as never;

type ErrorClass<T> = abstract new (...args: never[]) => T;

/**
 * The base of every error Worldkit and its providers throw. Each has a stable `code`
 * (`WORLDKIT_…`) to branch on. `WorldkitError.is(x)` and `x instanceof WorldkitError` hold for
 * any Worldkit error, from any copy of this package; a subclass's `is()` and `instanceof` also
 * match errors of the same `code` thrown by another copy of that subclass.
 */
export class WorldkitError extends Error {
  /** Set by subclasses: the `code` every instance of the class carries. */
  static readonly code: string = 'WORLDKIT_ERROR';
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  /**
   * True for an error of this class (or, on `WorldkitError`, of any Worldkit error class),
   * whichever copy of the package threw it.
   */
  static is<T>(this: ErrorClass<T>, value: unknown): value is T {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the subclass `is` was called on
    return matches(this, value);
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the right-hand side of `instanceof`
    return matches(this, value);
  }
}

Object.defineProperty(WorldkitError.prototype, MARKER, { value: true });
Object.defineProperty(WorldkitError.prototype, 'name', {
  value: 'WorldkitError',
  writable: true,
  configurable: true,
});

/** Whether `value` carries the Worldkit error marker (a `WorldkitError` from any copy). */
export function isWorldkitError(value: unknown): value is WorldkitError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { [MARKER]?: unknown })[MARKER] === true &&
    typeof (value as { code?: unknown }).code === 'string'
  );
}

function matches(target: unknown, value: unknown): boolean {
  if (!isWorldkitError(value)) return false;
  // Called unbound (`errors.filter(WorldkitError.is)`) or on the base class: any Worldkit error.
  if (target === undefined || target === WorldkitError) return true;
  if (typeof target !== 'function') return false;
  // The same copy: the prototype chain decides (subclasses of the class match too).
  if (Object.prototype.isPrototypeOf.call(target.prototype, value)) return true;
  // Another copy of the class: the same code.
  const code = (target as { code?: unknown }).code;
  return typeof code === 'string' && code !== WorldkitError.code && value.code === code;
}
