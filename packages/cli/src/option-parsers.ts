import { InvalidArgumentError } from 'commander';

/** Commander argument parsers: a bad value is reported by commander as a usage error (exit 2). */

export function parsePercent(value: string): number {
  const percent = Number(value);
  if (value.trim() === '' || !Number.isFinite(percent) || percent < 0 || percent > 100) {
    throw new InvalidArgumentError('expected a number from 0 to 100.');
  }
  return percent;
}

export function parsePositiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) {
    throw new InvalidArgumentError('expected a positive integer.');
  }
  return number;
}

/** `a,b` or a repeated option, each value one of `allowed`. */
export function listOf<T extends string>(allowed: readonly T[]) {
  return (value: string, previous: T[] | undefined): T[] => {
    const values = value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
    const unknown = values.filter((item) => !allowed.includes(item as T));
    if (values.length === 0 || unknown.length > 0) {
      throw new InvalidArgumentError(`expected one or more of ${allowed.join(', ')}.`);
    }
    return [...(previous ?? []), ...(values as T[])];
  };
}
