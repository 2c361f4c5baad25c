export interface DeliveryLease {
  /**
   * Epoch ms (this process's clock) by which the lease has surely run out if no further
   * extension succeeds; -Infinity once an extension found the lease gone.
   */
  expiresAt(): number;
  /** Stops extending (the outcome is written, or given up on). */
  release(): void;
}

/**
 * Keeps one claimed message's lease alive while its handler runs and its outcome is written,
 * extending it every third of its length. The expiry is measured from when the claim or
 * extension was sent: the database sets `now() + lease` no earlier than that, so this process
 * never believes a lease lives longer than it does.
 *
 * `extend` resolves true when it moved the lease, false when the lease is no longer ours (the
 * outcome already committed, or the lease ran out and another worker claimed the message).
 */
export function holdLease(
  extend: () => Promise<boolean>,
  leaseSeconds: number,
  claimedAt: number,
): DeliveryLease {
  const leaseMs = leaseSeconds * 1000;
  let expiresAt = claimedAt + leaseMs;
  const heartbeat = setInterval(() => {
    const sentAt = Date.now();
    extend().then(
      (extended) => {
        expiresAt = extended ? Math.max(expiresAt, sentAt + leaseMs) : Number.NEGATIVE_INFINITY;
      },
      // A failed extension changes nothing: the lease still runs out when it would have.
      () => undefined,
    );
  }, leaseMs / 3);
  heartbeat.unref();
  return {
    expiresAt: () => expiresAt,
    release: () => clearInterval(heartbeat),
  };
}
