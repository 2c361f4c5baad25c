import { connect } from 'node:net';

/**
 * How long a launched server may take to accept connections. Generous on purpose: the wait
 * ends as soon as the server answers, and on a loaded 2-core machine (test files in parallel,
 * a CPU-bound neighbour) redis-server or fauxqs have taken more than 10 s to start.
 */
export const SERVER_START_TIMEOUT_MS = 120_000;

/** Resolves once something accepts TCP connections on 127.0.0.1:port, or rejects after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs: number, label: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `${label} did not accept connections on 127.0.0.1:${port} within ${timeoutMs} ms`,
  );
}
