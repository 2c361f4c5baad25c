/** Socket-level failures: the backend is unreachable, not wrong about anything. */
const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * Messages ioredis and BullMQ give errors that only mean "Redis is not there right now":
 * a closed or unwritable connection, a command given up on while reconnecting, or a Redis
 * that is still loading its data after a restart.
 */
const CONNECTION_MESSAGE =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Connection is closed|Stream isn't writeable|Reached the max retries per request|^LOADING\b|socket (closed|hang up)/i;

/**
 * Whether an error reported by ioredis or BullMQ is connection trouble, which belongs in an
 * outage report (one line per outage), rather than a fault of its own that is logged as is.
 */
export function isConnectionTrouble(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code } = error as { code?: unknown };
  if (typeof code === 'string' && CONNECTION_ERROR_CODES.has(code)) return true;
  return error.name === 'ConnectionClosedError' || CONNECTION_MESSAGE.test(error.message);
}
