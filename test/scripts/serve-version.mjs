// One version's deployment in its own process, for the HTTP replay check test: serves a built
// workflow bundle's /.well-known/workflow/v1/* routes on 127.0.0.1 behind @worldkit/http's
// signed receiver, and prints `listening <url>` once it answers. Its own code is loaded only
// here, so the checking process can reach it over HTTP and nowhere else.
// usage: node serve-version.mjs <bundlesDir> <deploymentId>   (WORLDKIT_DISPATCH_SECRET set)
import { createServer } from 'node:http';
import { createWorld, loadWorkflowCode } from '@worldkit/core';
import { httpCompute } from '@worldkit/http';
import { local } from '@worldkit/local';

// Node 20 lacks Promise.withResolvers, which some @workflow/core paths use.
Promise.withResolvers ??= () => {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

const [bundlesDir, deploymentId] = process.argv.slice(2);
const quiet = { debug() {}, info() {}, warn() {}, error: (message) => console.error(message) };
// A replay needs no storage of its own: the request carries the run and its log.
const world = createWorld({
  ...local({ memory: true }),
  compute: httpCompute(),
  deploymentId,
  logger: quiet,
});
const code = loadWorkflowCode({ world, directory: bundlesDir, deploymentId });

const server = createServer(async (incoming, outgoing) => {
  try {
    const chunks = [];
    for await (const chunk of incoming) chunks.push(chunk);
    const headers = new Headers();
    for (const [name, value] of Object.entries(incoming.headers)) {
      if (typeof value === 'string') headers.set(name, value);
    }
    const request = new Request(new URL(incoming.url ?? '/', `http://${incoming.headers.host}`), {
      method: incoming.method,
      headers,
      body: incoming.method === 'POST' ? Buffer.concat(chunks) : undefined,
    });
    const response = await code.handleRequest(request);
    outgoing.writeHead(response.status, { 'content-type': 'application/json' });
    outgoing.end(Buffer.from(await response.arrayBuffer()));
  } catch (error) {
    outgoing.writeHead(500);
    outgoing.end(String(error));
  }
});
server.listen(0, '127.0.0.1', () => {
  console.log(`listening http://127.0.0.1:${server.address().port}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close();
    world.close().finally(() => process.exit(0));
  });
}
