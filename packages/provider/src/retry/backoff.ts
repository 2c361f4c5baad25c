/**
 * Capped exponential backoff: `min(base * 2^(attempt - 1), max)`. `attempt` counts from 1 (the
 * first retry waits `base`); the unit is the caller's (seconds or milliseconds). An attempt
 * below 1 waits `base`. The one backoff every Worldkit queue and provider uses, so retries
 * read the same everywhere.
 */
export function exponentialBackoff(
  attempt: number,
  settings: { base: number; max: number },
): number {
  const exponent = Math.max(0, attempt - 1);
  return Math.min(settings.base * 2 ** exponent, settings.max);
}
