import { createServer } from 'node:net';

/**
 * Opens an unused loopback listening socket, as any process that also serves HTTP has.
 *
 * Why: before every workflow replay and step, the runtime (@workflow/core 4.8.9,
 * `getPortLazy`) looks for a port this process listens on, for the step's metadata URL.
 * It caches only a found port; in a process that listens on nothing it calls
 * `process.report.getReport()` and scans /proc on every call, ~5–15 ms each on this
 * machine, which would dominate per-step cost for every World alike. Real hosts (an app
 * server) pay it once, so the benchmark does too. `--bare` skips this.
 */
export async function openListeningSocket() {
  const server = createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  server.unref();
  return server;
}
