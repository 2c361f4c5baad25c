import { randomBytes } from 'node:crypto';
import {
  type ComposedWorld,
  createWorld,
  encodeMessage,
  type LoadedWorkflowCode,
  type Logger,
  loadWorkflowCode,
  type QueueEnvelope,
} from '@worldkit/core';
import {
  ATTEMPT_HEADER,
  httpCompute,
  MESSAGE_ID_HEADER,
  SIGNATURE_HEADER,
  signDelivery,
  TIMESTAMP_HEADER,
} from '@worldkit/http';
import { local } from '@worldkit/local';
import { buildWorkflowFixtures } from '@worldkit/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Generated hostile requests against the signed delivery endpoint and the webhook route:
// every answer is a 4xx, the workflow code never runs, and the secret never shows up in a
// response or a log line. A valid signature over a bad body is the interesting case: it
// gets past authentication, so only the parsing behind it stands between it and the code.

const SECRET = randomBytes(32).toString('hex');
const OTHER_SECRET = randomBytes(32).toString('hex');
const SERVED_VERSION = 'vers_fuzz_served';
const REQUESTS = 2_000;

/** Every log line, as text, to search for the secret. */
const logLines: string[] = [];
const recordingLogger: Logger = {
  debug: (message, details) => logLines.push(`${message} ${JSON.stringify(details ?? {})}`),
  info: (message, details) => logLines.push(`${message} ${JSON.stringify(details ?? {})}`),
  warn: (message, details) => logLines.push(`${message} ${JSON.stringify(details ?? {})}`),
  error: (message, details) => logLines.push(`${message} ${JSON.stringify(details ?? {})}`),
};

/**
 * An envelope for a version this app does not serve: even if every other check passed, the
 * handler must not run it (422), so no generated request is legitimately deliverable.
 */
const baseEnvelope: QueueEnvelope = {
  format: 1,
  messageId: 'msg_fuzz',
  queueName: '__wkf_step_fuzz',
  deploymentId: 'vers_fuzz_elsewhere',
  body: encodeMessage({ workflowRunId: 'wrun_fuzz', stepId: 'step_fuzz' }),
  attempt: 1,
  failures: 0,
  notBefore: 0,
  createdAt: 0,
};

const envelopeText = fc.oneof(
  // One field replaced by anything.
  fc
    .record({ key: fc.constantFrom(...Object.keys(baseEnvelope)), value: fc.anything() })
    .map(({ key, value }) => JSON.stringify({ ...baseEnvelope, [key]: value }) ?? ''),
  // Served version, but a body that is no tagged JSON message (or a wrong queue prefix).
  fc
    .record({ body: fc.string(), queueName: fc.constantFrom('__wkf_workflow_x', 'nope', '') })
    .map((fields) =>
      JSON.stringify({
        ...baseEnvelope,
        deploymentId: SERVED_VERSION,
        body: `\u0000${fields.body}`,
        queueName: fields.queueName,
      }),
    ),
  // Truncated anywhere.
  fc
    .nat({ max: JSON.stringify(baseEnvelope).length - 1 })
    .map((length) => JSON.stringify(baseEnvelope).slice(0, length)),
  // Oversized: a 2 MB body field.
  fc.constant(JSON.stringify({ ...baseEnvelope, body: 'x'.repeat(2_000_000) })),
  fc.json(),
  fc.string(),
);
/** Envelope text (whose `msg_fuzz` becomes the request's message id), or raw bytes. */
const body = fc.oneof(
  { weight: 6, arbitrary: envelopeText.map((text) => ({ text })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }).map((bytes) => ({ bytes })) },
  // Not UTF-8 at all.
  { weight: 1, arbitrary: fc.constant({ bytes: new Uint8Array([0xff, 0xfe, 0x7b, 0xc3, 0x28]) }) },
);

/** How the request is signed: not at all, badly, or correctly over whatever the body is. */
const signing = fc.oneof(
  { weight: 4, arbitrary: fc.constant('valid' as const) },
  { weight: 1, arbitrary: fc.constantFrom('none', 'wrong-secret', 'stale', 'garbage') },
);

const method = fc.oneof(
  { weight: 6, arbitrary: fc.constant('POST') },
  { weight: 1, arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'post') },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z]{1,12}$/) },
);

/** Header values a fetch Request accepts (no CR/LF/NUL, no leading/trailing space). */
const headerValue = fc.stringMatching(/^[\x21-\x7e]{0,40}$/);

const requestShape = fc.record({
  method,
  body,
  signing,
  // Mostly a fresh id per request, so most signed requests get past replay detection.
  messageId: fc.oneof(
    { weight: 6, arbitrary: fc.constant('fresh') },
    { weight: 1, arbitrary: fc.constant('msg_fuzz') },
    { weight: 1, arbitrary: headerValue },
  ),
  attempt: fc.oneof(fc.constant(1), fc.integer({ min: 0, max: 20 })),
  extraHeaders: fc.dictionary(
    fc.oneof(
      fc.constantFrom(SIGNATURE_HEADER, TIMESTAMP_HEADER, MESSAGE_ID_HEADER, ATTEMPT_HEADER),
      fc.stringMatching(/^x-[a-z]{1,10}$/),
    ),
    headerValue,
    { maxKeys: 2 },
  ),
});

type RequestShape = typeof requestShape extends fc.Arbitrary<infer T> ? T : never;

let deliveries = 0;

function headersFor(shape: RequestShape, messageId: string, bytes: Uint8Array) {
  const now = Math.floor(Date.now() / 1000);
  const identity = { timestamp: now, messageId, attempt: shape.attempt };
  switch (shape.signing) {
    case 'none':
      return {};
    case 'valid':
      return signDelivery(SECRET, identity, bytes);
    case 'wrong-secret':
      return signDelivery(OTHER_SECRET, identity, bytes);
    case 'stale':
      return signDelivery(SECRET, { ...identity, timestamp: now - 3_600 }, bytes);
    case 'garbage':
      return {
        ...signDelivery(SECRET, identity, bytes),
        [SIGNATURE_HEADER]: `v1=${'0'.repeat(64)}, v2=abc, junk`,
      };
  }
}

function toRequest(url: string, shape: RequestShape): Request {
  deliveries++;
  const messageId = shape.messageId === 'fresh' ? `msg_fuzz_${deliveries}` : shape.messageId;
  const bytes =
    'text' in shape.body
      ? new TextEncoder().encode(
          shape.body.text.replaceAll('"msg_fuzz"', JSON.stringify(messageId)),
        )
      : shape.body.bytes;
  const hasBody = !['GET', 'HEAD'].includes(shape.method.toUpperCase());
  return new Request(url, {
    method: shape.method,
    // Extra headers last, so some requests carry a mismatched or broken signature header.
    headers: { ...headersFor(shape, messageId, bytes), ...shape.extraHeaders },
    body: hasBody ? bytes : undefined,
  });
}

describe('hostile HTTP requests against the signed delivery endpoint', () => {
  let world: ComposedWorld;
  let invocations = 0;
  const statuses = new Map<number, number>();

  beforeAll(() => {
    world = createWorld({
      ...local({ memory: true }),
      compute: httpCompute({ secret: SECRET }),
      deploymentId: SERVED_VERSION,
      logger: recordingLogger,
    });
  });
  afterAll(async () => {
    await world?.close();
  });

  it(`${REQUESTS} generated requests: every answer is a 4xx, the handler never runs, the secret never leaks`, async () => {
    const handle = world.createQueueHandler('__wkf_step_', async () => {
      invocations++;
    });
    const url = 'http://127.0.0.1/.well-known/workflow/v1/step';
    await fc.assert(
      fc.asyncProperty(requestShape, async (shape) => {
        const response = await handle(toRequest(url, shape));
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        const text = await response.text();
        expect(response.status, text).toBeGreaterThanOrEqual(400);
        expect(response.status, text).toBeLessThan(500);
        expect(text).not.toContain(SECRET);
      }),
      { numRuns: REQUESTS, seed: 20261124 },
    );
    console.log(
      `http deliveries: ${REQUESTS} hostile requests, statuses ${[...statuses]
        .sort(([a], [b]) => a - b)
        .map(([status, count]) => `${status}×${count}`)
        .join(' ')}, handler invoked ${invocations}×, ${logLines.length} log lines`,
    );
    expect(invocations).toBe(0);
    // The refusals reached every layer: method, signature, clock, replay, parsing, version.
    for (const status of [400, 401, 405, 409, 422]) expect(statuses.get(status)).toBeGreaterThan(0);
    expect(logLines.filter((line) => line.includes(SECRET))).toEqual([]);
  });

  it('a correctly signed, well-formed delivery for the served version does run (the fuzz above could have)', async () => {
    let ran = 0;
    const handle = world.createQueueHandler('__wkf_workflow_', async () => {
      ran++;
    });
    const envelope = {
      ...baseEnvelope,
      messageId: 'msg_control',
      queueName: '__wkf_workflow_control',
      deploymentId: SERVED_VERSION,
    };
    const text = JSON.stringify(envelope);
    const response = await handle(
      new Request('http://127.0.0.1/.well-known/workflow/v1/flow', {
        method: 'POST',
        headers: signDelivery(
          SECRET,
          { timestamp: Math.floor(Date.now() / 1000), messageId: 'msg_control', attempt: 1 },
          text,
        ),
        body: text,
      }),
    );
    expect(response.status).toBe(200);
    expect(ran).toBe(1);
  });
});

describe('hostile requests against the workflow routes of loaded code', () => {
  let world: ComposedWorld;
  let code: LoadedWorkflowCode;

  beforeAll(async () => {
    const built = await buildWorkflowFixtures();
    world = createWorld({
      ...local({ memory: true }),
      compute: httpCompute({ secret: SECRET }),
      deploymentId: 'vers_fuzz_routes',
      logger: recordingLogger,
    });
    code = loadWorkflowCode({ world, directory: built.directory });
    await world.start();
  });
  afterAll(async () => {
    await world?.close();
  });

  it('500 generated paths, tokens and bodies: 4xx (mostly 404), never a crash or a 5xx', async () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9._~%-]{0,24}$/);
    const path = fc.oneof(
      segment.map((token) => `/.well-known/workflow/v1/webhook/${token || 'x'}`),
      fc.constantFrom(
        '/.well-known/workflow/v1/flow',
        '/.well-known/workflow/v1/step',
        '/.well-known/workflow/v1/webhook/',
        '/.well-known/workflow/v1/webhook/a/b',
        '/.well-known/workflow/v2/flow',
        '/',
      ),
      fc.array(segment, { maxLength: 5 }).map((parts) => `/${parts.join('/')}`),
    );
    const statuses = new Map<number, number>();
    // The generated webhook route console.errors every unknown token with a stack trace;
    // counted instead of printed, so the test output stays readable.
    const consoleError = console.error;
    let upstreamErrors = 0;
    console.error = () => {
      upstreamErrors++;
    };
    await fc
      .assert(
        fc.asyncProperty(
          path,
          fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
          fc.oneof(fc.json(), fc.string()),
          async (pathname, requestMethod, requestBody) => {
            const response = await code.handleRequest(
              new Request(`http://127.0.0.1${pathname}`, {
                method: requestMethod,
                body: requestMethod === 'GET' ? undefined : requestBody,
              }),
            );
            statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
            const text = await response.text();
            expect(response.status, `${requestMethod} ${pathname}: ${text}`).toBeGreaterThanOrEqual(
              400,
            );
            expect(response.status, `${requestMethod} ${pathname}: ${text}`).toBeLessThan(500);
            expect(text).not.toContain(SECRET);
          },
        ),
        { numRuns: 500, seed: 20261124 },
      )
      .finally(() => {
        console.error = consoleError;
      });
    console.log(
      `workflow routes: 500 hostile requests, statuses ${[...statuses]
        .sort(([a], [b]) => a - b)
        .map(([status, count]) => `${status}×${count}`)
        .join(' ')} (${upstreamErrors} console.error lines from the generated webhook route)`,
    );
    expect(statuses.get(404)).toBeGreaterThan(100);
    expect(logLines.filter((line) => line.includes(SECRET))).toEqual([]);
  });
});
