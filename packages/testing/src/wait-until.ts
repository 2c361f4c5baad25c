export interface WaitUntilOptions<T> {
  /** What is awaited, for the timeout message: `timed out after 60000 ms waiting for ${what}`. */
  what: string;
  /** How long to keep polling (default 60 000 ms: generous, for busy machines and slow servers). */
  timeoutMs?: number;
  /** Pause between polls (default 25 ms). */
  intervalMs?: number;
  /** When a read value counts as done (default: anything but `undefined`, `null` or `false`). */
  until?: (value: T) => boolean;
  /** Keep polling when `read` throws, instead of failing at once; the last error is reported. */
  retryErrors?: boolean;
  /** More context for the timeout message (e.g. the lines logged so far). */
  detail?: () => string;
}

export const WAIT_UNTIL_TIMEOUT_MS = 60_000;

const settled = (value: unknown) => value !== undefined && value !== null && value !== false;

function describeValue(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Polls `read` (a condition, or a read that returns `undefined` until there is something) until
 * its value is done, and returns that value. On timeout throws an Error naming `what`, the
 * deadline and the last value or error seen.
 */
export async function waitUntil<T>(
  read: () => T | Promise<T>,
  options: WaitUntilOptions<T>,
): Promise<Exclude<T, undefined | null | false>> {
  const {
    what,
    timeoutMs = WAIT_UNTIL_TIMEOUT_MS,
    intervalMs = 25,
    until = settled,
    retryErrors = false,
    detail,
  } = options;
  const deadline = Date.now() + timeoutMs;
  let last: { value: T } | { error: unknown } | undefined;
  for (;;) {
    try {
      const value = await read();
      if (until(value)) return value as Exclude<T, undefined | null | false>;
      last = { value };
    } catch (error) {
      if (!retryErrors) throw error;
      last = { error };
    }
    if (Date.now() > deadline) {
      const seen =
        last === undefined
          ? ''
          : 'error' in last
            ? `; last error: ${last.error instanceof Error ? last.error.message : describeValue(last.error)}`
            : `; last value: ${describeValue(last.value)}`;
      const more = detail ? `\n${detail()}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${seen}${more}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
