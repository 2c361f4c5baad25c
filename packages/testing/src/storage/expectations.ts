import { expect } from 'vitest';
import { byteMismatch } from './payloads.js';

/**
 * An error class from `@workflow/errors`. The runtime recognises errors by name through `X.is(err)`
 * (storage rule 7 in docs/contract.md), never by `instanceof`, so the suite checks them the same way.
 */
export interface RecognisedError {
  readonly name: string;
  is(value: unknown): boolean;
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** Awaits `operation` and asserts it rejected with an error one of `accepted` recognises. */
export async function expectRejection(
  operation: Promise<unknown>,
  ...accepted: RecognisedError[]
): Promise<unknown> {
  const names = accepted.map((errorClass) => errorClass.name).join(' or ');
  const outcome = await operation.then(
    (value) => ({ rejected: false as const, value }),
    (error: unknown) => ({ rejected: true as const, error }),
  );
  if (!outcome.rejected) {
    expect.fail(`expected a rejection with ${names}, but the call resolved`);
  }
  const recognised = accepted.some((errorClass) => errorClass.is(outcome.error));
  expect(recognised, `expected ${names}, got ${describeError(outcome.error)}`).toBe(true);
  return outcome.error;
}

/** Awaits `operation` and asserts it rejected, whatever the error. */
export async function expectAnyRejection(operation: Promise<unknown>): Promise<unknown> {
  const outcome = await operation.then(
    () => ({ rejected: false as const }),
    (error: unknown) => ({ rejected: true as const, error }),
  );
  if (!outcome.rejected) expect.fail('expected a rejection, but the call resolved');
  return outcome.error;
}

/** Asserts `actual` holds exactly the bytes of `expected`, with a short message when it does not. */
export function expectSameBytes(actual: unknown, expected: Uint8Array, what: string): void {
  const mismatch = byteMismatch(actual, expected);
  expect(mismatch, `${what}: ${mismatch}`).toBeUndefined();
}

/** Asserts `value` is a valid Date (storages must revive timestamps, not return strings). */
export function expectDate(value: unknown, what: string): asserts value is Date {
  expect(value, `${what} should be a Date`).toBeInstanceOf(Date);
  expect(Number.isNaN((value as Date).getTime()), `${what} should be a valid Date`).toBe(false);
}
