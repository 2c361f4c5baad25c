import type pg from 'pg';

/** Deadlock and serialization failures: the transaction did nothing and can simply run again. */
const RETRYABLE_CODES = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 4;

/** Runs `work` in one transaction, retrying it when PostgreSQL aborted it to break a deadlock. */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken = false;
    // pg-pool listens for errors only on idle clients: a checked-out client whose server goes
    // away emits 'error' with no listener, an uncaught exception. The query in flight rejects
    // with the same error, so all this listener has to do is mark the client broken.
    const onError = () => {
      broken = true;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      const code = (error as { code?: string }).code;
      if (attempt < MAX_ATTEMPTS && code && RETRYABLE_CODES.has(code)) continue;
      throw error;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }
}
