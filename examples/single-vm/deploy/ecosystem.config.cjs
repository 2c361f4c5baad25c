/**
 * PM2: `pm2 start deploy/ecosystem.config.cjs` from examples/single-vm (run `npm run setup`
 * first, and on every deploy). Secrets come from the environment PM2 is started with, or
 * from /etc/worldkit/single-vm.env via `set -a; . /etc/worldkit/single-vm.env; set +a`.
 */
const shared = {
  cwd: `${__dirname}/..`,
  // PM2 stops with SIGINT, then SIGKILL after kill_timeout (default 1.6 s: too short for
  // the worker to finish deliveries in flight, which BullMQ allows up to 10 s).
  kill_timeout: 15_000,
  autorestart: true,
  max_restarts: 20,
  restart_delay: 2_000,
  env: {
    NODE_ENV: 'production',
    WORLDKIT_POSTGRES_URL: process.env.WORLDKIT_POSTGRES_URL,
    WORLDKIT_REDIS_URL: process.env.WORLDKIT_REDIS_URL,
    WORLDKIT_DEPLOYMENT_ID: process.env.WORLDKIT_DEPLOYMENT_ID ?? 'v1',
    PUBLIC_URL: process.env.PUBLIC_URL ?? 'http://127.0.0.1:3000',
  },
};

module.exports = {
  apps: [
    {
      ...shared,
      name: 'worldkit-worker',
      script: 'worker.mjs',
      // One worker process is enough for most VMs: each runs up to 100 deliveries at once.
      // Several are fine too (give each its own WORKER_HEALTH_PORT, or 0).
      instances: 1,
      env: { ...shared.env, WORKER_HEALTH_PORT: '3001' },
    },
    {
      ...shared,
      name: 'worldkit-server',
      script: 'server.mjs',
      instances: 1,
      env: { ...shared.env, PORT: '3000' },
    },
  ],
};
