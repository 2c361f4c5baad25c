import { type Logger, maskUrlSecrets } from '@worldkit/core';

/** At most one warning per version and address in this window; the rest go to `debug`. */
export const DEFAULT_FAILURE_LOG_INTERVAL_MS = 60_000;
/** Versions tracked at once; message version ids are not trusted to be few. */
const MAX_TRACKED = 1_000;

/** Where one delivery went and how it ended, as the dispatcher saw it. */
export interface DeliveryAttempt {
  version: string;
  /** The version's address as stored (masked before it is logged); absent when it has none. */
  address?: string;
  /** The app's HTTP status, when it answered. */
  status?: number;
  /** Why it failed (`failed` / `no-handler` reasons); absent for a delivery that went through. */
  error?: string;
}

export interface DeliveryFailureLogSettings {
  logger: Logger;
  intervalMs?: number;
  /** Injected in tests; defaults to `Date.now`. */
  now?: () => number;
}

interface Failing {
  version: string;
  address: string | undefined;
  since: number;
  loggedAt: number;
  failures: number;
  /** Failures since the last warning. */
  suppressed: number;
}

/**
 * Turns failed deliveries into lines an operator can act on without drowning in them: the first
 * failure per version and address is a warning with its reason (version, masked address, HTTP
 * status or error), later ones are `debug` with at most one warning per `intervalMs` that counts
 * the failures in between, and the first delivery that goes through afterwards logs one `info`
 * line. Without it a dead address logged nothing until its messages were dead-lettered.
 */
export class DeliveryFailureLog {
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #failing = new Map<string, Failing>();

  constructor(settings: DeliveryFailureLogSettings) {
    this.#logger = settings.logger;
    this.#intervalMs = settings.intervalMs ?? DEFAULT_FAILURE_LOG_INTERVAL_MS;
    this.#now = settings.now ?? Date.now;
  }

  record(attempt: DeliveryAttempt): void {
    if (attempt.error === undefined) this.#delivered(attempt);
    else this.#failed(attempt, attempt.error);
  }

  #failed(attempt: DeliveryAttempt, error: string): void {
    const key = keyOf(attempt.version, attempt.address);
    const now = this.#now();
    const details = {
      version: attempt.version,
      address: attempt.address === undefined ? null : maskUrlSecrets(attempt.address),
      ...(attempt.status === undefined ? {} : { status: attempt.status }),
      error,
    };
    const state = this.#failing.get(key);
    if (!state) {
      if (this.#failing.size >= MAX_TRACKED) {
        // Forget the oldest; it warns again if it keeps failing.
        this.#failing.delete(this.#failing.keys().next().value as string);
      }
      this.#failing.set(key, {
        version: attempt.version,
        address: attempt.address,
        since: now,
        loggedAt: now,
        failures: 1,
        suppressed: 0,
      });
      this.#logger.warn(
        `delivery to version ${quote(attempt.version)} failed; it is retried with backoff (further failures for this version and address are logged at most once every ${formatDuration(this.#intervalMs)})`,
        details,
      );
      return;
    }
    state.failures++;
    if (now - state.loggedAt < this.#intervalMs) {
      state.suppressed++;
      this.#logger.debug(`delivery to version ${quote(attempt.version)} failed again`, details);
      return;
    }
    this.#logger.warn(
      `deliveries to version ${quote(attempt.version)} are still failing: ${state.suppressed + 1} failed since the last warning ${formatDuration(now - state.loggedAt)} ago`,
      { ...details, failures: state.failures, suppressedFailures: state.suppressed },
    );
    state.loggedAt = now;
    state.suppressed = 0;
  }

  /** A delivery went through: ends every failure streak of its version (any address). */
  #delivered(attempt: DeliveryAttempt): void {
    if (this.#failing.size === 0) return;
    let failures = 0;
    let since: number | undefined;
    for (const [key, state] of this.#failing) {
      if (state.version !== attempt.version) continue;
      failures += state.failures;
      since = since === undefined ? state.since : Math.min(since, state.since);
      this.#failing.delete(key);
    }
    if (since === undefined) return;
    this.#logger.info(`version ${quote(attempt.version)} takes deliveries again`, {
      version: attempt.version,
      address: attempt.address === undefined ? null : maskUrlSecrets(attempt.address),
      failedDeliveries: failures,
      failingForMs: this.#now() - since,
    });
  }
}

const keyOf = (version: string, address: string | undefined) => `${version}\n${address ?? ''}`;

function quote(value: string): string {
  return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value);
}

function formatDuration(ms: number): string {
  if (ms < 1_000) return `${ms} ms`;
  const seconds = Math.round(ms / 1_000);
  return seconds % 60 === 0 && seconds >= 60 ? `${seconds / 60} min` : `${seconds} s`;
}
