import { maskSecrets } from './mask-secrets.js';

/** A value as an error message shows it: short, with every credential hidden. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    // Hidden before shortening, so a cut cannot leave half a password behind.
    const shown = maskSecrets(value);
    return JSON.stringify(shown.length > 60 ? `${shown.slice(0, 57)}...` : shown);
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return 'an object';
}
