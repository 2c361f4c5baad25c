import type { Logger } from './logger.js';

/** At most one warning per this window, by default. */
const DEFAULT_INTERVAL_MS = 60_000;

export interface RateLimitedWarning {
  /** A warning the first time and then once per window (counting the others); debug otherwise. */
  warn(details?: Record<string, unknown>): void;
}

/**
 * A warning about something that tends to happen to many items at once — every message in
 * flight when a backend came back, every job of a queue that was wiped — so logging each one
 * would bury the lines that matter. The first occurrence warns; later ones within `intervalMs`
 * go to `debug`, and the next warning says how many there were in between
 * (`sinceLastWarning`).
 */
export function createRateLimitedWarning(
  logger: Logger,
  message: string,
  settings: { intervalMs?: number; now?: () => number } = {},
): RateLimitedWarning {
  const intervalMs = settings.intervalMs ?? DEFAULT_INTERVAL_MS;
  const now = settings.now ?? Date.now;
  let warnedAt: number | undefined;
  let suppressed = 0;
  return {
    warn(details = {}) {
      const at = now();
      if (warnedAt !== undefined && at - warnedAt < intervalMs) {
        suppressed++;
        logger.debug(message, details);
        return;
      }
      logger.warn(message, suppressed > 0 ? { ...details, sinceLastWarning: suppressed } : details);
      warnedAt = at;
      suppressed = 0;
    },
  };
}
