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
    /**
     * $1 id, $2 queue, $3 deployment, $4 envelope, $5 delay s, $6 NOTIFY channel. The insert
     * and the wake-up of idle consumers are one round trip (the notification is sent when the
     * statement commits).
     */
    send: `WITH sent AS (
             INSERT INTO ${messages} (message_id, queue_name, deployment_id, envelope, run_at)
             VALUES ($1, $2, $3, $4, now() + $5 * interval '1 second')
             ON CONFLICT (message_id) DO NOTHING
             RETURNING message_id)
           SELECT message_id, pg_notify($6, '') FROM sent`,
    /**
     * As `send`, but only when the idempotency key ($7) is free: never seen, or settled longer
     * than $8 ms ago. The key's primary key arbitrates concurrent senders.
     */
    sendWithKey: `WITH claimed AS (
             INSERT INTO ${keys} AS k (idempotency_key, message_id) VALUES ($7, $1)
             ON CONFLICT (idempotency_key) DO UPDATE
               SET message_id = EXCLUDED.message_id, settled_at = NULL
               WHERE k.settled_at IS NOT NULL AND k.settled_at < now() - $8 * interval '1 millisecond'
             RETURNING 1),
           sent AS (
             INSERT INTO ${messages} (message_id, queue_name, deployment_id, envelope, run_at)
             SELECT $1, $2, $3, $4, now() + $5 * interval '1 second' FROM claimed
             ON CONFLICT (message_id) DO NOTHING
             RETURNING message_id)
           SELECT message_id, pg_notify($6, '') FROM sent`,
    /**
     * Leases up to $1 due messages to this worker (token $2) for $3 seconds, only for the
     * versions in $4 when it is not null. SKIP LOCKED lets many workers claim at once without
     * waiting on each other. The last row (message_id null) says in how many milliseconds the
     * next message not claimed here is due (null when there is none), so claiming and deciding
     * how long to sleep is one round trip. Leases taken by this statement are left out of
     * that figure (its snapshot still shows them due); the poll interval bounds how late an
     * expired lease is noticed.
     */
    claim: `WITH due AS (
              SELECT message_id FROM ${messages}
              WHERE run_at <= now() AND ($4::text[] IS NULL OR deployment_id = ANY($4))
              ORDER BY run_at LIMIT $1 FOR UPDATE SKIP LOCKED),
            claimed AS (
              UPDATE ${messages} AS m
              SET run_at = now() + $3 * interval '1 second', lease_token = $2, deliveries = m.deliveries + 1
              FROM due WHERE m.message_id = due.message_id
              RETURNING m.message_id, m.envelope)
            SELECT message_id, envelope, NULL::float8 AS wait_ms FROM claimed
            UNION ALL
            SELECT NULL, NULL, GREATEST(0, EXTRACT(EPOCH FROM (min(run_at) - now())) * 1000)::float8
            FROM ${messages}
            WHERE ($4::text[] IS NULL OR deployment_id = ANY($4))
              AND message_id NOT IN (SELECT message_id FROM claimed)`,
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
