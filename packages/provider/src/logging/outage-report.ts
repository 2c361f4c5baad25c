import type { Logger } from './logger.js';

/**
 * Turns the failures of one backend connection into one line per outage. Providers retry
 * every operation while a backend is down; logging each retry would bury the one line that
 * matters (one warning per outage, see docs/operating-in-production.md). The first failure after a success is a
 * warning, further ones go to `debug`, and the first success afterwards logs one `info` line
 * with how long the outage lasted and how many operations failed.
 *
 * A backend coming back rarely comes back cleanly: pooled connections that died with the server
 * fail one by one after new ones succeed, operations sent during the outage fail after a retry
 * has already gone through. So within `quietMs` of a warning, a new failure continues that
 * outage (debug lines, and a debug line when it ends) instead of warning again; a failure that
 * lasts past `quietMs` warns once more. However an outage flaps, one report warns at most once
 * per `quietMs`.
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
  /** At most one warning per this window (default 60 s): failures soon after one continue it. */
  quietMs?: number;
}

const DEFAULT_QUIET_MS = 60_000;

export function createOutageReport(settings: OutageReportSettings): OutageReport {
  const now = settings.now ?? Date.now;
  const quietMs = settings.quietMs ?? DEFAULT_QUIET_MS;
  const unreachable = settings.wording?.failing ?? 'is unreachable';
  let since: number | undefined;
  let failures = 0;
  /** When this report last warned. */
  let warnedAt: number | undefined;
  /** The current outage began within `quietMs` of a warning and has not warned itself. */
  let quiet = false;
  const warn = (at: number, operation: string, reason: string, extra: Record<string, unknown>) => {
    warnedAt = at;
    quiet = false;
    settings.logger.warn(
      `${settings.backend} ${unreachable}; retrying until it is back (further failures are logged at debug level)`,
      { operation, error: reason, ...extra },
    );
  };
  return {
    get failing() {
      return since !== undefined;
    },
    failed(operation, error) {
      const reason = error instanceof Error ? error.message : String(error);
      const at = now();
      failures++;
      if (since !== undefined) {
        // Still failing a window after the last warning (it was quiet): say so once more.
        if (quiet && warnedAt !== undefined && at - warnedAt >= quietMs) {
          warn(at, operation, reason, { failingForMs: at - since, failedOperations: failures });
          return;
        }
        settings.logger.debug(
          `${settings.backend}: still ${settings.wording ? 'failing' : 'unreachable'}`,
          {
            operation,
            error: reason,
          },
        );
        return;
      }
      since = at;
      if (warnedAt !== undefined && at - warnedAt < quietMs) {
        // Failing again soon after a warning: the same trouble, still settling.
        quiet = true;
        settings.logger.debug(
          `${settings.backend} ${unreachable} again, ${at - warnedAt} ms after the last warning (not warned again within ${quietMs} ms)`,
          { operation, error: reason },
        );
        return;
      }
      warn(at, operation, reason, {});
    },
    succeeded(startedAt) {
      if (since === undefined) return;
      if (startedAt !== undefined && startedAt < since) return;
      const log = quiet ? settings.logger.debug : settings.logger.info;
      log.call(
        settings.logger,
        `${settings.backend} ${settings.wording?.recovered ?? 'is reachable again'}`,
        {
          outageMs: now() - since,
          failedOperations: failures,
        },
      );
      since = undefined;
      failures = 0;
      quiet = false;
    },
  };
}
