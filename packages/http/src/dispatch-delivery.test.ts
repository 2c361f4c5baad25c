import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createMemoryVersionStore,
  encodeMessage,
  type QueueEnvelope,
  type RuntimeQueueHandler,
  type VersionStore,
} from '@worldkit/core';
import { recordingLogger, testProviderContext } from '@worldkit/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryFailureLog } from './delivery-failure-log.js';
import { dispatchDelivery } from './dispatch-delivery.js';
import { httpCompute } from './http-compute.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from './signature.js';

const SECRET = 'dispatch-test-secret-0123456789abcdef';
const VERSION = 'vers_target';

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A loopback server that records requests and answers with `respond`. */
interface RecordingServer {
  url: string;
  received: Received[];
  respond: (
    request: Received,
  ) => { status: number; body?: string; headers?: Record<string, string> } | 'hang';
  close(): Promise<void>;
}

async function startRecordingServer(): Promise<RecordingServer> {
  const state: RecordingServer = {
    url: '',
    received: [],
    respond: () => ({ status: 200, body: '{"done":true}' }),
    close: async () => {},
  };
  const server: Server = createServer(async (incoming, outgoing) => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const request = {
      method: incoming.method ?? '',
      url: incoming.url ?? '',
      headers: incoming.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    state.received.push(request);
    const answer = state.respond(request);
    if (answer === 'hang') return;
    outgoing.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    outgoing.end(answer.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

function envelope(overrides: Partial<QueueEnvelope> = {}): QueueEnvelope {
  return {
    format: 1,
    messageId: `msg_${Math.random().toString(36).slice(2)}`,
    queueName: '__wkf_workflow_order',
    deploymentId: VERSION,
    body: encodeMessage({ runId: 'wrun_1' }),
    attempt: 1,
    failures: 0,
    notBefore: 0,
    createdAt: 0,
    ...overrides,
  };
}

let app: RecordingServer;
let elsewhere: RecordingServer;
let versions: VersionStore;

function dispatcher(settings: Parameters<typeof httpCompute>[0] = {}) {
  return httpCompute({ secret: SECRET, ...settings }).create(
    testProviderContext({ deploymentId: 'vers_dispatcher', versions: () => versions }),
  );
}

beforeAll(async () => {
  [app, elsewhere] = await Promise.all([startRecordingServer(), startRecordingServer()]);
});
afterAll(async () => {
  await Promise.all([app.close(), elsewhere.close()]);
});
// Each test starts with empty recordings, default answers and a fresh version store.
beforeEach(async () => {
  app.received.length = 0;
  elsewhere.received.length = 0;
  app.respond = () => ({ status: 200, body: '{"done":true}' });
  versions = createMemoryVersionStore();
  await versions.create({ id: VERSION, address: app.url });
});

describe('dispatching deliveries over HTTP', () => {
  it('posts the signed envelope to /flow or /step at the version address', async () => {
    const compute = dispatcher();
    const flow = envelope({ attempt: 2 });
    expect(await compute.deliver(flow, undefined)).toEqual({ type: 'done' });
    const step = envelope({ queueName: '__wkf_step_charge' });
    expect(await compute.deliver(step, undefined)).toEqual({ type: 'done' });

    expect(app.received.map((request) => [request.method, request.url])).toEqual([
      ['POST', '/.well-known/workflow/v1/flow'],
      ['POST', '/.well-known/workflow/v1/step'],
    ]);
    const [first] = app.received;
    expect(JSON.parse(first!.body)).toEqual(flow);
    expect(first!.headers[SIGNATURE_HEADER]).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(first!.headers['x-worldkit-message-id']).toBe(flow.messageId);
    expect(first!.headers['x-worldkit-attempt']).toBe('2');
    expect(Math.abs(Number(first!.headers[TIMESTAMP_HEADER]) - Date.now() / 1000)).toBeLessThan(5);
  });

  it('maps answers: { timeoutSeconds } → timeout, other 2xx → done, errors → failed', async () => {
    const compute = dispatcher();
    app.respond = () => ({ status: 200, body: '{"timeoutSeconds":7.5}' });
    expect(await compute.deliver(envelope(), undefined)).toEqual({
      type: 'timeout',
      timeoutSeconds: 7.5,
    });
    app.respond = () => ({ status: 200, body: 'plain text' });
    expect(await compute.deliver(envelope(), undefined)).toEqual({ type: 'done' });
    app.respond = () => ({ status: 500, body: '{"error":"step exploded"}' });
    const failed = await compute.deliver(envelope(), undefined);
    expect(failed).toEqual({
      type: 'failed',
      error: `${app.url}/.well-known/workflow/v1/flow answered HTTP 500: {"error":"step exploded"}`,
    });
    app.respond = () => ({ status: 401, body: '{"rejected":"forged"}' });
    expect(await compute.deliver(envelope(), undefined)).toMatchObject({
      type: 'failed',
      error: expect.stringContaining('HTTP 401'),
    });
  });

  it('fails with a reason when the app is unreachable or too slow', async () => {
    const unreachable = await startRecordingServer();
    await unreachable.close();
    await versions.update(VERSION, { address: unreachable.url });
    const refused = await dispatcher().deliver(envelope(), undefined);
    expect(refused).toMatchObject({
      type: 'failed',
      error: expect.stringContaining('ECONNREFUSED'),
    });

    await versions.update(VERSION, { address: app.url });
    app.respond = () => 'hang';
    const started = Date.now();
    const slow = await dispatcher({ requestTimeoutMs: 200 }).deliver(envelope(), undefined);
    expect(slow).toEqual({
      type: 'failed',
      error: `no answer from ${app.url}/.well-known/workflow/v1/flow within 200 ms`,
    });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('reports no-handler for a version that is unknown or has no address', async () => {
    const compute = dispatcher();
    const unknown = await compute.deliver(envelope({ deploymentId: 'vers_missing' }), undefined);
    expect(unknown).toMatchObject({
      type: 'no-handler',
      reason: expect.stringContaining('"vers_missing" is not in the version store'),
    });
    await versions.create({ id: 'vers_in_process' });
    const addressless = await compute.deliver(
      envelope({ deploymentId: 'vers_in_process' }),
      undefined,
    );
    expect(addressless).toMatchObject({
      type: 'no-handler',
      reason: expect.stringContaining('has no address'),
    });
    expect(app.received).toHaveLength(0);
  });

  it('keeps the base path and query of an address but shows neither credentials nor query', async () => {
    await versions.update(VERSION, { address: `${app.url}/tenant-a/?token=do-not-show` });
    app.respond = () => ({ status: 503, body: 'busy' });
    const result = await dispatcher().deliver(envelope({ queueName: '__wkf_step_x' }), undefined);
    expect(app.received[0]!.url).toBe('/tenant-a/.well-known/workflow/v1/step?token=do-not-show');
    expect(result).toEqual({
      type: 'failed',
      error: `${app.url}/tenant-a/.well-known/workflow/v1/step answered HTTP 503: busy`,
    });

    await versions.update(VERSION, { address: `http://user:pw@127.0.0.1:1/` });
    expect(await dispatcher().deliver(envelope(), undefined)).toMatchObject({
      type: 'no-handler',
      reason: expect.stringContaining('must not embed credentials'),
    });
    await versions.update(VERSION, { address: 'file:///etc/passwd' });
    expect(await dispatcher().deliver(envelope(), undefined)).toMatchObject({
      type: 'no-handler',
      reason: expect.stringContaining('must be http(s)'),
    });
  });
});

describe('addresses cannot be injected', () => {
  it('ignores URLs in the deploymentId and headers of a message', async () => {
    const compute = dispatcher();
    // A deploymentId that looks like an address is only a key into the version store.
    const urlish = await compute.deliver(
      envelope({ deploymentId: `${elsewhere.url}/steal` }),
      undefined,
    );
    expect(urlish).toMatchObject({ type: 'no-handler' });

    // Headers a producer attached travel inside the signed body and are never used to route.
    const withHeaders = envelope({
      headers: {
        host: new URL(elsewhere.url).host,
        location: elsewhere.url,
        'x-forwarded-host': new URL(elsewhere.url).host,
        address: elsewhere.url,
      },
    });
    expect(await compute.deliver(withHeaders, { address: elsewhere.url })).toEqual({
      type: 'done',
    });
    expect(app.received).toHaveLength(1);
    expect(app.received[0]!.headers.host).toBe(new URL(app.url).host);
    expect(elsewhere.received).toHaveLength(0);
  });

  it('does not follow a redirect to another address', async () => {
    app.respond = () => ({
      status: 307,
      headers: { location: `${elsewhere.url}/.well-known/workflow/v1/flow` },
    });
    const result = await dispatcher().deliver(envelope(), undefined);
    expect(result).toEqual({
      type: 'failed',
      error: `${app.url}/.well-known/workflow/v1/flow answered a redirect (HTTP 307); redirects are not followed`,
    });
    expect(elsewhere.received).toHaveLength(0);
  });
});

describe('dispatcher and app with the same provider', () => {
  it('delivers end to end, and refuses a dispatcher holding another secret', async () => {
    const appCompute = httpCompute({ secret: SECRET }).create(
      testProviderContext({ deploymentId: VERSION }),
    );
    const handled: unknown[] = [];
    const handler: RuntimeQueueHandler = async (message) => {
      handled.push(message);
      return { timeoutSeconds: 3 };
    };
    appCompute.register(VERSION, '__wkf_workflow_', handler);
    app.respond = () => ({ status: 500 });
    const server = createServer(async (incoming, outgoing) => {
      const chunks: Buffer[] = [];
      for await (const chunk of incoming) chunks.push(chunk as Buffer);
      const request = new Request(`http://${incoming.headers.host}${incoming.url}`, {
        method: incoming.method,
        headers: incoming.headers as Record<string, string>,
        body: Buffer.concat(chunks),
      });
      const response = await appCompute.handleRequest!('__wkf_workflow_', handler, request);
      outgoing.writeHead(response.status, { 'content-type': 'application/json' });
      outgoing.end(await response.text());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      await versions.update(VERSION, { address });
      const result = await dispatcher().deliver(envelope(), undefined);
      expect(result).toEqual({ type: 'timeout', timeoutSeconds: 3 });
      expect(handled).toEqual([{ runId: 'wrun_1' }]);

      const impostorSecret = 'an-impostor-secret-with-enough-length-00';
      const refused = await dispatcher({ secret: impostorSecret }).deliver(envelope(), undefined);
      expect(refused).toMatchObject({ type: 'failed', error: expect.stringContaining('HTTP 401') });
      expect(JSON.stringify(refused)).not.toContain(impostorSecret);
      expect(JSON.stringify(refused)).not.toContain(SECRET);
      expect(handled).toHaveLength(1);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('logging failed deliveries', () => {
  it('warns once per version and address with the reason, then at debug; one info line when it delivers again', async () => {
    const logger = recordingLogger();
    const compute = httpCompute({ secret: SECRET }).create(
      testProviderContext({ deploymentId: 'vers_dispatcher', versions: () => versions, logger }),
    );
    const down = await startRecordingServer();
    await down.close();
    const secretQuery = '?x-vercel-protection-bypass=bypass-s3cret';
    await versions.create({ id: 'vers_down', address: `${down.url}/${secretQuery}` });
    app.respond = () => ({ status: 500, body: 'boom' });

    for (let i = 0; i < 4; i++) {
      await compute.deliver(envelope({ deploymentId: 'vers_down' }), undefined);
      await compute.deliver(envelope(), undefined);
    }
    await compute.deliver(envelope({ deploymentId: 'vers_unknown' }), undefined);
    await compute.deliver(envelope({ deploymentId: 'vers_unknown' }), undefined);

    const warnings = logger.lines.filter((line) => line.level === 'warn');
    expect(warnings.map((line) => line.details)).toEqual([
      {
        version: 'vers_down',
        address: `${down.url}/?x-vercel-protection-bypass=***`,
        error: expect.stringMatching(/could not reach .*ECONNREFUSED/),
      },
      {
        version: VERSION,
        address: app.url,
        status: 500,
        error: `${app.url}/.well-known/workflow/v1/flow answered HTTP 500: boom`,
      },
      {
        version: 'vers_unknown',
        address: null,
        error: expect.stringContaining('is not in the version store'),
      },
    ]);
    expect(warnings[0]!.message).toBe(
      'delivery to version "vers_down" failed; it is retried with backoff (further failures for this version and address are logged at most once every 1 min)',
    );
    expect(logger.lines.filter((line) => line.level === 'debug')).toHaveLength(3 + 3 + 1);
    expect(JSON.stringify(logger.lines)).not.toContain('bypass-s3cret');

    app.respond = () => ({ status: 200, body: '' });
    logger.lines.length = 0;
    await compute.deliver(envelope(), undefined);
    await compute.deliver(envelope(), undefined);
    expect(logger.lines).toEqual([
      {
        level: 'info',
        message: `version "${VERSION}" takes deliveries again`,
        details: {
          version: VERSION,
          address: app.url,
          failedDeliveries: 4,
          failingForMs: expect.any(Number),
        },
      },
    ]);
  });

  it('repeats the warning at most once per interval, counting the failures in between', async () => {
    const logger = recordingLogger();
    let clock = 1_000_000;
    const failureLog = new DeliveryFailureLog({ logger, intervalMs: 60_000, now: () => clock });
    const settings = {
      signingSecret: SECRET,
      requestTimeoutMs: 5_000,
      fetch: globalThis.fetch,
      versions: () => versions,
      failureLog,
    };
    app.respond = () => ({ status: 503, body: 'busy' });
    await dispatchDelivery(envelope(), settings);
    for (let i = 0; i < 4; i++) {
      clock += 10_000;
      await dispatchDelivery(envelope(), settings);
    }
    clock += 20_000;
    await dispatchDelivery(envelope(), settings);
    clock += 1_000;
    await dispatchDelivery(envelope(), settings);

    expect(app.received).toHaveLength(7);
    const warnings = logger.lines.filter((line) => line.level === 'warn');
    expect(warnings.map((line) => line.message)).toEqual([
      `delivery to version "${VERSION}" failed; it is retried with backoff (further failures for this version and address are logged at most once every 1 min)`,
      `deliveries to version "${VERSION}" are still failing: 5 failed since the last warning 1 min ago`,
    ]);
    expect(warnings[1]!.details).toMatchObject({ status: 503, failures: 6, suppressedFailures: 4 });
    expect(logger.lines.filter((line) => line.level === 'debug')).toHaveLength(5);
  });
});
