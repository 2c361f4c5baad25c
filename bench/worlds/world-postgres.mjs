/**
 * The peer PostgreSQL World, `@workflow/world-postgres@4.3.7`: Drizzle storage, graphile-worker
 * queue, streams in PostgreSQL.
 *
 * Delivery: world-postgres has no in-process path. Its graphile-worker task handler always
 * POSTs the message to `<base>/.well-known/workflow/v1/{flow,step}` over Node's HTTP client
 * (dist/queue.js, `executeMessageOverHttp`), with the base from `WORKFLOW_LOCAL_BASE_URL`,
 * `PORT` or port discovery. So the worker serves the bundles on a loopback HTTP server in the
 * same process (127.0.0.1, keep-alive) and points `WORKFLOW_LOCAL_BASE_URL` at it. That is how
 * world-postgres runs in production too (the app's own routes), so this is its real cost; the
 * Worldkit Worlds deliver in-process, which is a design difference being measured, not an
 * unfairness of the harness. Queue concurrency is its default (10), like @worldkit/postgres.
 *
 * Its schema is created by its own `bootstrap` CLI (Drizzle migrations + graphile-worker
 * schema) before the World opens, outside the timed passes.
 */
import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { postgresTableBytes } from '../storage-size.mjs';

export const benchWorlds = [
  {
    name: 'world-postgres',
    needs: ['postgres'],
    // Queue and storage are shared services: a second process can consume the same runs.
    scalesOut: true,
    async open({ services }) {
      bootstrapSchema(services.postgres.url);
      let handle = async () => new Response('workflow code not loaded yet', { status: 503 });
      const server = await serveOverHttp((request) => handle(request));
      process.env.WORKFLOW_LOCAL_BASE_URL = `http://127.0.0.1:${server.address().port}`;
      // Quiet graphile-worker's info logs (it prints only with DEBUG set).
      delete process.env.DEBUG;
      const { createWorld } = await import('@workflow/world-postgres');
      const world = createWorld({ connectionString: services.postgres.url });
      return {
        world,
        description: `@workflow/world-postgres 4.3.7 on database ${services.postgres.database}, delivery over loopback HTTP (${process.env.WORKFLOW_LOCAL_BASE_URL})`,
        afterLoad(code) {
          handle = code.handleRequest;
        },
        // Its Drizzle tables and graphile-worker's job tables, all in this database.
        storageBytes: () => postgresTableBytes(services.postgres.url),
        close: () => new Promise((resolve) => server.close(resolve)),
      };
    },
  },
];

/** Runs world-postgres's own `bootstrap` (its package `bin`), as its README says to. */
function bootstrapSchema(url) {
  const cli = realpathSync(fileURLToPath(import.meta.resolve('@workflow/world-postgres/cli')));
  execFileSync(process.execPath, [cli], {
    env: { ...process.env, WORKFLOW_POSTGRES_URL: url },
    stdio: 'pipe',
  });
}

/** A node:http server on 127.0.0.1 that hands each request to `handle` as a fetch Request. */
async function serveOverHttp(handle) {
  const server = createServer(async (incoming, outgoing) => {
    try {
      const chunks = [];
      for await (const chunk of incoming) chunks.push(chunk);
      const headers = new Headers();
      for (const [name, value] of Object.entries(incoming.headers)) {
        if (typeof value === 'string') headers.set(name, value);
      }
      const hasBody = incoming.method !== 'GET' && incoming.method !== 'HEAD';
      const response = await handle(
        new Request(`http://127.0.0.1${incoming.url}`, {
          method: incoming.method,
          headers,
          body: hasBody ? Buffer.concat(chunks) : undefined,
        }),
      );
      const body = Buffer.from(await response.arrayBuffer());
      outgoing.writeHead(response.status, Object.fromEntries(response.headers));
      outgoing.end(body);
    } catch (error) {
      outgoing.writeHead(500).end(String(error?.stack ?? error));
    }
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return server;
}
