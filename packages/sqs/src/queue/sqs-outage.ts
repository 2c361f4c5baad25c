import { createOutageReport, type Logger, type OutageReport } from '@worldkit/core';
import { WorldkitError } from '@worldkit/provider';
import type { ResolvedSqsSettings } from '../settings.js';

/**
 * The outage report of one SQS queue: every SQS call its consumer makes goes through it, so an
 * endpoint that is down for a while logs one warning and one line when it is back, however many
 * polls, deletes and sends failed in between (one warning per outage, see docs/operating-in-production.md).
 */
export function createSqsOutageReport(settings: ResolvedSqsSettings, logger: Logger): OutageReport {
  return createOutageReport({ backend: `SQS queue "${queueLabel(settings)}"`, logger });
}

function queueLabel(settings: ResolvedSqsSettings): string {
  if (settings.queueName) return settings.queueName;
  // https://sqs.<region>.amazonaws.com/<account>/<name>
  const url = settings.queueUrl ?? '';
  return url.slice(url.lastIndexOf('/') + 1) || url;
}

/**
 * An SQS call failed because SQS could not be reached (or could not answer). It has been
 * counted by the queue's outage report already, so callers must not log it again per message.
 */
export class SqsUnreachableError extends WorldkitError {
  static override readonly code = 'WORLDKIT_SQS_UNREACHABLE';
  override readonly name = 'SqsUnreachableError';
  constructor(
    readonly operation: string,
    cause: unknown,
  ) {
    super(
      SqsUnreachableError.code,
      `SQS ${operation} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

/**
 * Runs one SQS call under the outage report. Success ends an outage. A failure to reach SQS
 * (connection refused or reset, timeout, 5xx, throttling) counts toward one and is rethrown as
 * `SqsUnreachableError`. SQS refusing this very request (a 4xx, e.g. an expired receipt
 * handle) is a problem of one message, not an outage: SQS answered, so the outage is over, and
 * the original error is rethrown for the caller to log against the message.
 */
export async function reportedSqsCall<T>(
  outage: OutageReport,
  operation: string,
  call: () => Promise<T>,
): Promise<T> {
  let result: T;
  const startedAt = Date.now();
  try {
    result = await call();
  } catch (error) {
    if (isRefusedBySqs(error)) {
      outage.succeeded(startedAt);
      throw error;
    }
    outage.failed(operation, error);
    throw new SqsUnreachableError(operation, error);
  }
  outage.succeeded(startedAt);
  return result;
}

const THROTTLING_ERRORS = new Set([
  'ThrottlingException',
  'Throttling',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
]);

/** An answer from SQS that rejects the request itself, as opposed to SQS not answering. */
function isRefusedBySqs(error: unknown): boolean {
  const failure = error as {
    name?: string;
    $fault?: string;
    $metadata?: { httpStatusCode?: number };
  } | null;
  const status = failure?.$metadata?.httpStatusCode;
  if (failure?.$fault !== 'client' || status === undefined) return false;
  if (status === 429 || THROTTLING_ERRORS.has(failure.name ?? '')) return false;
  return status >= 400 && status < 500;
}
