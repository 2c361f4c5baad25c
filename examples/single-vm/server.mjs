#!/usr/bin/env node
/**
 * The HTTP entry: starts runs and serves webhooks. It does not consume the queue (it never
 * calls `world.start()`), so it stays responsive however busy the workers are; starting a run
 * writes it to PostgreSQL and enqueues its first message on Redis for a worker to pick up.
 *
 *   POST /signups            {"email": "…"}  → 202 {"runId": "wrun_…"}
 *   GET  /runs/:runId                        → the run's status (and its result once completed)
 *   ANY  /.well-known/workflow/v1/webhook/:token  → resumes the run waiting on that webhook
 *   GET  /healthz
 *
 * Env: WORLDKIT_POSTGRES_URL, WORLDKIT_REDIS_URL (required), WORLDKIT_DEPLOYMENT_ID,
 * PORT (default 3000), HOST (default 127.0.0.1: put a reverse proxy with TLS in front).
 */
import { createServer } from 'node:http';
import { getRun, start } from 'workflow/api';
import { describeError, loadWorld, logLifecycle } from './load-world.mjs';

const PROCESS_NAME = 'server';
const HOST = process.env.HOST ?? '127.0.0.1';
const PORT = Number(process.env.PORT ?? 3000);
/** Sign-up bodies are tiny; refuse anything large instead of buffering it. */
const MAX_BODY_BYTES = 1024 * 1024;
const RUN_ROUTE = /^\/runs\/(wrun_[0-9A-Za-z]+)$/;
const WEBHOOK_ROUTE = /^\/\.well-known\/workflow\/v1\/webhook\/[^/]+\/?$/;

logLifecycle(PROCESS_NAME, 'starting', { pid: process.pid });
let loaded;
try {
  loaded = loadWorld();
} catch (error) {
  logLifecycle(PROCESS_NAME, 'failed', { error: JSON.stringify(describeError(error)) });
  process.exit(1);
}
const { world, code } = loaded;
const signUp = code.workflow('signUp');

const server = createServer((incoming, outgoing) => {
  route(incoming)
    .then((response) => send(outgoing, response))
    .catch((error) => {
      logLifecycle(PROCESS_NAME, 'request-failed', {
        method: incoming.method,
        path: incoming.url,
        error: JSON.stringify(describeError(error)),
      });
      send(outgoing, json(500, { error: 'internal error' }));
    });
});

async function route(incoming) {
  const url = new URL(incoming.url ?? '/', `http://${incoming.headers.host ?? HOST}`);
  const method = incoming.method ?? 'GET';
  if (url.pathname === '/healthz' && method === 'GET') return json(200, { ok: true });

  if (url.pathname === '/signups' && method === 'POST') {
    const body = await readJson(incoming);
    if (typeof body?.email !== 'string' || !body.email.includes('@')) {
      return json(400, { error: 'expected a JSON body {"email": "…"}' });
    }
    const run = await start(signUp, [body.email]);
    logLifecycle(PROCESS_NAME, 'run-started', { workflow: 'signUp', runId: run.runId });
    return json(202, { runId: run.runId });
  }

  const runId = RUN_ROUTE.exec(url.pathname)?.[1];
  if (runId && method === 'GET') return json(200, await describeRun(runId));

  if (WEBHOOK_ROUTE.test(url.pathname)) {
    // The run's webhook answers (202 by default, 404 for a token no live run holds).
    return code.handleWebhook(await toRequest(incoming, url));
  }
  return json(404, { error: `no route for ${method} ${url.pathname}` });
}

async function describeRun(runId) {
  const run = await world.runs.get(runId).catch(() => undefined);
  if (!run) return { runId, status: 'not-found' };
  const summary = {
    runId,
    workflow: run.workflowName.split('//').at(-1),
    status: run.status,
    createdAt: run.createdAt,
    completedAt: run.completedAt,
  };
  if (run.status === 'completed') summary.output = await getRun(runId).returnValue;
  if (run.status === 'failed') summary.error = run.error?.message ?? 'failed';
  return summary;
}

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, async () => {
    if (stopping) process.exit(1);
    stopping = true;
    logLifecycle(PROCESS_NAME, 'stopping', { signal });
    // Finish requests in flight, then release the pools.
    await new Promise((resolve) => server.close(resolve));
    await world.close();
    logLifecycle(PROCESS_NAME, 'stopped', { signal });
    process.exit(0);
  });
}

server.once('error', (error) => {
  logLifecycle(PROCESS_NAME, 'failed', { error: JSON.stringify(describeError(error)) });
  process.exit(1);
});
server.listen(PORT, HOST, () => {
  const { port } = server.address();
  logLifecycle(PROCESS_NAME, 'listening', {
    url: `http://${HOST}:${port}`,
    deployment: code.deploymentId,
  });
});

function json(status, body) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

async function readBody(incoming) {
  const chunks = [];
  let size = 0;
  for await (const chunk of incoming) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error(`request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function readJson(incoming) {
  try {
    return JSON.parse((await readBody(incoming)).toString('utf8'));
  } catch {
    return undefined;
  }
}

/** node:http's request as a fetch Request, which is what the webhook handler takes. */
async function toRequest(incoming, url) {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.set(name, value);
  }
  const method = incoming.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD';
  return new Request(url, {
    method,
    headers,
    body: hasBody ? await readBody(incoming) : undefined,
  });
}

async function send(outgoing, response) {
  const body = Buffer.from(await response.arrayBuffer());
  outgoing.writeHead(response.status, Object.fromEntries(response.headers));
  outgoing.end(body);
}
