import { expect } from 'vitest';

/**
 * Asserts that `promise` rejects with an error of the given name. Names, not classes: the store
 * may come from another copy of `@worldkit/core` than the one the test imports.
 */
export async function expectRejectionNamed(
  promise: Promise<unknown>,
  name: string,
): Promise<Error> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected a rejection named ${name}`).toBeInstanceOf(Error);
  expect(
    (caught as Error).name,
    'Version store (docs/contract.md), errors by name: (caught as Error).name',
  ).toBe(name);
  return caught as Error;
}
