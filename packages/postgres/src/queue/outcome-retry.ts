/** First pause between attempts to write a delivery's outcome; doubles after every failure. */
const FIRST_DELAY_MS = 100;
/** Longest pause between attempts, so a write lands within this of the database coming back. */
const MAX_DELAY_MS = 2_000;

export interface OutcomeRetrySettings {
  /**
   * Epoch ms after which another attempt is pointless (the lease has run out, or close() will
   * not wait longer). Read after every failure: lease extensions push it out, close() pulls it in.
   */
  deadline: () => number;
  firstDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Runs `write` until it succeeds (true) or the deadline passes (false), pausing 100 ms, 200 ms,
 * … up to 2 s between attempts. The caller reports each failure (the query does); a give-up is
 * not an error: the message's lease runs out and it is delivered again.
 */
export async function retryOutcome(
  write: () => Promise<unknown>,
  settings: OutcomeRetrySettings,
): Promise<boolean> {
  const maxDelayMs = settings.maxDelayMs ?? MAX_DELAY_MS;
  let delayMs = settings.firstDelayMs ?? FIRST_DELAY_MS;
  for (;;) {
    try {
      await write();
      return true;
    } catch {
      // Reported by the query itself; decide below whether another attempt can still matter.
    }
    const remainingMs = settings.deadline() - Date.now();
    if (remainingMs <= 0) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(delayMs, remainingMs)));
    delayMs = Math.min(delayMs * 2, maxDelayMs);
  }
}
