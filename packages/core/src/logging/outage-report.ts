import type { Logger } from './logger.js';

/**
 * Turns the failures of one backend connection into one line per outage. Providers retry
 * every operation while a backend is down; logging each retry would bury the one line that
 * matters (one warning per outage, see docs/operating-in-production.md). The first failure after a success is a
 * warning, further ones go to `debug`, and the first success afterwards logs one `info` line
 * with how long the outage lasted and how many operations failed.
 */
export interface OutageReport {
  /** An operation against the backend failed; `operation` says which (e.g. `receive`). */
  failed(operation: string, error: unknown): void;
  /**
   * An operation succeeded: ends the outage, if there was one. Cheap when there was none.
   * Pass when the operation started (epoch ms): one already in flight when the outage began
   * can still complete (a query answered just before the server shut down, a long poll) and
   * proves nothing about the backend now, so it does not end the outage.
   */
  succeeded(startedAt?: number): void;
  /** True between the first failure and the next success. */
  readonly failing: boolean;
}

export interface OutageReportSettings {
  /** What is unreachable, as a person reads it, e.g. `SQS queue "orders"`. */
  backend: string;
  /**
   * How the lines word the state, for reports of something other than a connection (e.g.
   * deliveries that fail). Default: "is unreachable" / "is reachable again".
   */
  wording?: { failing: string; recovered: string };
  logger: Logger;
  /** Injected in tests; defaults to `Date.now`. */
  now?: () => number;
}

export function createOutageReport(settings: OutageReportSettings): OutageReport {
  const now = settings.now ?? Date.now;
  let since: number | undefined;
  let failures = 0;
  return {
    get failing() {
      return since !== undefined;
    },
    failed(operation, error) {
      const reason = error instanceof Error ? error.message : String(error);
      failures++;
      if (since !== undefined) {
        settings.logger.debug(
          `${settings.backend}: still ${settings.wording ? 'failing' : 'unreachable'}`,
          {
            operation,
            error: reason,
          },
        );
        return;
      }
      since = now();
      settings.logger.warn(
        `${settings.backend} ${settings.wording?.failing ?? 'is unreachable'}; retrying until it is back (further failures are logged at debug level)`,
        { operation, error: reason },
      );
    },
    succeeded(startedAt) {
      if (since === undefined) return;
      if (startedAt !== undefined && startedAt < since) return;
      settings.logger.info(
        `${settings.backend} ${settings.wording?.recovered ?? 'is reachable again'}`,
        {
          outageMs: now() - since,
          failedOperations: failures,
        },
      );
      since = undefined;
      failures = 0;
    },
  };
}
