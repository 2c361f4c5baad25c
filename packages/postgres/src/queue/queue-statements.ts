import type { TableNames } from '../connection/table-names.js';

/**
 * The queue's SQL, in one place. Time is always the database's `now()`, so workers on hosts
 * with skewed clocks agree on when a message is due and when a lease has expired.
 */
export function queueStatements(tables: TableNames) {
  const {
    queueMessages: messages,
    queueIdempotencyKeys: keys,
    queueDeadLetters: deadLetters,
  } = tables;
  return {
    /** $1 id, $2 queue, $3 deployment, $4 envelope, $5 delay s. */
    send: `INSERT INTO ${messages} (message_id, queue_name, deployment_id, envelope, run_at)
           VALUES ($1, $2, $3, $4, now() + $5 * interval '1 second')
           ON CONFLICT (message_id) DO NOTHING
           RETURNING message_id`,
    /**
     * As `send`, but only when the idempotency key ($6) is free: never seen, or settled longer
     * than $7 ms ago. The key's primary key arbitrates concurrent senders.
     */
    sendWithKey: `WITH claimed AS (
             INSERT INTO ${keys} AS k (idempotency_key, message_id) VALUES ($6, $1)
             ON CONFLICT (idempotency_key) DO UPDATE
               SET message_id = EXCLUDED.message_id, settled_at = NULL
               WHERE k.settled_at IS NOT NULL AND k.settled_at < now() - $7 * interval '1 millisecond'
             RETURNING 1)
           INSERT INTO ${messages} (message_id, queue_name, deployment_id, envelope, run_at)
           SELECT $1, $2, $3, $4, now() + $5 * interval '1 second' FROM claimed
           ON CONFLICT (message_id) DO NOTHING
           RETURNING message_id`,
    /**
     * Leases up to $1 due messages to this worker (token $2) for $3 seconds, only for the
     * versions in $4 when it is not null. SKIP LOCKED lets many workers claim at once without
     * waiting on each other.
     */
    claim: `UPDATE ${messages} AS m
            SET run_at = now() + $3 * interval '1 second', lease_token = $2, deliveries = m.deliveries + 1
            FROM (SELECT message_id FROM ${messages}
                  WHERE run_at <= now() AND ($4::text[] IS NULL OR deployment_id = ANY($4))
                  ORDER BY run_at LIMIT $1 FOR UPDATE SKIP LOCKED) AS due
            WHERE m.message_id = due.message_id
            RETURNING m.message_id, m.envelope`,
    /** Milliseconds until the next claimable message is due (or a lease runs out), null when none. */
    nextDue: `SELECT GREATEST(0, EXTRACT(EPOCH FROM (min(run_at) - now())) * 1000)::float8 AS wait_ms
              FROM ${messages} WHERE $1::text[] IS NULL OR deployment_id = ANY($1)`,
    /** $1 id, $2 token, $3 lease s. */
    extendLease: `UPDATE ${messages} SET run_at = now() + $3 * interval '1 second'
                  WHERE message_id = $1 AND lease_token = $2`,
    /** $1 id, $2 token: delete the message and start its key's retention window. */
    ack: `WITH gone AS (
            DELETE FROM ${messages} WHERE message_id = $1 AND lease_token = $2 RETURNING message_id)
          UPDATE ${keys} SET settled_at = now() WHERE message_id IN (SELECT message_id FROM gone)`,
    /** $1 id, $2 token, $3 new envelope, $4 delay s. */
    redeliver: `UPDATE ${messages}
                SET envelope = $3, run_at = now() + $4 * interval '1 second', lease_token = NULL
                WHERE message_id = $1 AND lease_token = $2`,
    /** $1 id, $2 token, $3 reason: move to the dead-letter table and free the key for a re-send. */
    deadLetter: `WITH gone AS (
                   DELETE FROM ${messages} WHERE message_id = $1 AND lease_token = $2
                   RETURNING message_id, envelope),
                 recorded AS (
                   INSERT INTO ${deadLetters} (message_id, envelope, reason)
                   SELECT message_id, envelope, $3 FROM gone)
                 DELETE FROM ${keys} WHERE message_id IN (SELECT message_id FROM gone)`,
    /** $1 retention ms. */
    forgetSettledKeys: `DELETE FROM ${keys}
                        WHERE settled_at IS NOT NULL AND settled_at < now() - $1 * interval '1 millisecond'`,
    listDeadLetters: `SELECT envelope, reason, dead_at FROM ${deadLetters} ORDER BY seq`,
  };
}
