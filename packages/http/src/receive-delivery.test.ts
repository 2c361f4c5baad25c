import {
  encodeMessage,
  type Logger,
  type QueueEnvelope,
  type RuntimeQueueHandler,
} from '@worldkit/core';
import { testProviderContext } from '@worldkit/testing';
import { describe, expect, it } from 'vitest';
import { httpCompute } from './http-compute.js';
import type { RejectionKind } from './receive-delivery.js';
import { SIGNATURE_HEADER, signDelivery, TIMESTAMP_HEADER } from './signature.js';

const SECRET = 'receiver-test-secret-0123456789abcdef';
const WRONG_SECRET = 'not-the-secret-but-just-as-long-0123456';
const VERSION = 'vers_app';
const STEP_PREFIX = '__wkf_step_';
const STEP_URL = 'http://app.test/.well-known/workflow/v1/step';

let sequence = 0;
function envelope(overrides: Partial<QueueEnvelope> = {}): QueueEnvelope {
  sequence += 1;
  return {
    format: 1,
    messageId: `msg_${String(sequence).padStart(6, '0')}`,
    queueName: '__wkf_step_add',
    deploymentId: VERSION,
    body: encodeMessage({ bytes: new Uint8Array([0, 1, 255]), at: new Date(0), n: sequence }),
    attempt: 1,
    failures: 0,
    notBefore: 0,
    createdAt: 0,
    ...overrides,
  };
}

interface RequestParts {
  secret?: string;
  timestamp?: number;
  method?: string;
  /** Replaces the body after signing (a tampered request). */
  tamperedBody?: string;
  body?: string;
  drop?: string[];
}

function deliveryRequest(sent: QueueEnvelope, parts: RequestParts = {}): Request {
  const body = parts.body ?? JSON.stringify(sent);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    ...signDelivery(
      parts.secret ?? SECRET,
      {
        timestamp: parts.timestamp ?? Math.floor(Date.now() / 1000),
        messageId: sent.messageId,
        attempt: sent.attempt,
      },
      body,
    ),
  };
  for (const name of parts.drop ?? []) delete headers[name];
  const method = parts.method ?? 'POST';
  return new Request(STEP_URL, {
    method,
    headers,
    body: method === 'GET' ? undefined : (parts.tamperedBody ?? body),
  });
}

/** A logger that keeps every line, to prove what does and does not get logged. */
function capturingLogger() {
  const lines: string[] = [];
  const write = (level: string) => (message: string, details?: Record<string, unknown>) => {
    lines.push(`${level} ${message} ${JSON.stringify(details ?? {})}`);
  };
  const logger: Logger = {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
  };
  return { logger, lines };
}

function appSide(
  options: { toleranceSeconds?: number; previousSecrets?: string[]; maxBodyBytes?: number } = {},
) {
  const { logger, lines } = capturingLogger();
  const compute = httpCompute({ secret: SECRET, ...options }).create(
    testProviderContext({ deploymentId: VERSION, logger }),
  );
  const calls: Array<{ message: unknown; meta: Parameters<RuntimeQueueHandler>[1] }> = [];
  let answer: Awaited<ReturnType<RuntimeQueueHandler>> | Error;
  const handler: RuntimeQueueHandler = async (message, meta) => {
    calls.push({ message, meta });
    if (answer instanceof Error) throw answer;
    return answer;
  };
  compute.register(VERSION, STEP_PREFIX, handler);
  return {
    calls,
    lines,
    answerWith(next: typeof answer) {
      answer = next;
    },
    send: (request: Request, prefix = STEP_PREFIX) =>
      compute.handleRequest!(prefix, handler, request),
  };
}

async function rejection(response: Response): Promise<RejectionKind | undefined> {
  const body = (await response.json()) as { rejected?: RejectionKind };
  return body.rejected;
}

/** A body of `total` bytes produced chunk by chunk on demand; `pulled()` says how much was read. */
function lazyBody(total: number, chunkBytes = 64 * 1024) {
  let produced = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (produced >= total) return controller.close();
      const size = Math.min(chunkBytes, total - produced);
      produced += size;
      controller.enqueue(new Uint8Array(size).fill(0x7b));
    },
  });
  return { stream, pulled: () => produced };
}

describe('receiving signed deliveries', () => {
  it('refuses a body past maxBodyBytes while it streams in, before reading the rest or checking it', async () => {
    const app = appSide({ maxBodyBytes: 1024 * 1024 });
    // 512 MB with a forged signature, sent without a content-length (chunked).
    const body = lazyBody(512 * 1024 * 1024);
    const forged = deliveryRequest(envelope(), { secret: WRONG_SECRET });
    const request = new Request(forged.url, {
      method: 'POST',
      headers: forged.headers,
      body: body.stream,
      duplex: 'half',
    } as RequestInit);
    const response = await app.send(request);
    expect(response.status).toBe(413);
    expect(await rejection(response)).toBe('too-large');
    expect(body.pulled(), 'reading stops right after the limit').toBeLessThanOrEqual(
      1024 * 1024 + 2 * 64 * 1024,
    );
    expect(app.calls).toHaveLength(0);

    // A declared length past the limit is refused before a byte is read.
    const declared = lazyBody(2 * 1024 * 1024);
    const headers = new Headers(forged.headers);
    headers.set('content-length', String(2 * 1024 * 1024));
    const withLength = await app.send(
      new Request(forged.url, {
        method: 'POST',
        headers,
        body: declared.stream,
        duplex: 'half',
      } as RequestInit),
    );
    expect(withLength.status).toBe(413);
    expect(declared.pulled()).toBeLessThanOrEqual(64 * 1024);
  });

  it('runs a valid delivery with the decoded message and the envelope meta', async () => {
    const app = appSide();
    const sent = envelope({ attempt: 3 });
    const response = await app.send(deliveryRequest(sent));
    expect(response.status).toBe(200);
    expect(app.calls).toHaveLength(1);
    expect(app.calls[0]!.message).toEqual({
      bytes: new Uint8Array([0, 1, 255]),
      at: new Date(0),
      n: Number(sent.messageId.slice(4)),
    });
    expect(app.calls[0]!.meta).toEqual({
      attempt: 3,
      queueName: '__wkf_step_add',
      messageId: sent.messageId,
    });
  });

  it("answers the handler's { timeoutSeconds } as JSON, and a thrown error as 500", async () => {
    const app = appSide();
    app.answerWith({ timeoutSeconds: 42 });
    const sleeping = await app.send(deliveryRequest(envelope()));
    expect(sleeping.status).toBe(200);
    expect(await sleeping.json()).toEqual({ timeoutSeconds: 42 });

    app.answerWith(new Error('step exploded'));
    const failing = await app.send(deliveryRequest(envelope()));
    expect(failing.status).toBe(500);
    expect(await failing.json()).toEqual({ error: 'step exploded' });
  });

  it('accepts a delivery signed with a previous secret during rotation', async () => {
    const app = appSide({ previousSecrets: [WRONG_SECRET] });
    const response = await app.send(deliveryRequest(envelope(), { secret: WRONG_SECRET }));
    expect(response.status).toBe(200);
  });

  it('refuses each kind of bad request with its status and never runs the handler', async () => {
    const app = appSide({ toleranceSeconds: 300 });
    const now = Math.floor(Date.now() / 1000);
    const check = async (
      request: Request,
      status: number,
      kind: RejectionKind,
      prefix?: string,
    ) => {
      const response = await app.send(request, prefix);
      expect({ status: response.status, kind: await rejection(response) }).toEqual({
        status,
        kind,
      });
    };

    await check(deliveryRequest(envelope(), { method: 'GET' }), 405, 'method');
    await check(
      deliveryRequest(envelope(), { drop: [SIGNATURE_HEADER] }),
      401,
      'missing-signature',
    );
    await check(
      deliveryRequest(envelope(), { drop: [TIMESTAMP_HEADER] }),
      401,
      'missing-signature',
    );
    await check(deliveryRequest(envelope(), { secret: WRONG_SECRET }), 401, 'forged');
    const tampered = envelope();
    await check(
      deliveryRequest(tampered, {
        tamperedBody: JSON.stringify({ ...tampered, deploymentId: 'vers_other' }),
      }),
      401,
      'forged',
    );
    await check(deliveryRequest(envelope(), { timestamp: now - 330 }), 401, 'stale');
    await check(deliveryRequest(envelope(), { timestamp: now + 330 }), 401, 'stale');
    await check(deliveryRequest(envelope(), { body: '{not json' }), 400, 'malformed');
    await check(
      deliveryRequest(envelope(), { body: JSON.stringify({ format: 1 }) }),
      400,
      'malformed',
    );
    const mismatched = envelope();
    await check(
      deliveryRequest(mismatched, { body: JSON.stringify({ ...mismatched, attempt: 2 }) }),
      400,
      'malformed',
    );
    await check(deliveryRequest(envelope()), 400, 'wrong-queue', '__wkf_workflow_');
    await check(
      deliveryRequest(envelope({ deploymentId: 'vers_someone_else' })),
      422,
      'wrong-version',
    );

    const first = deliveryRequest(envelope());
    const replay = first.clone();
    expect((await app.send(first)).status).toBe(200);
    await check(replay, 409, 'replayed');

    expect(app.calls).toHaveLength(1);
  });

  it('counts rejections over a mixed batch of signed deliveries', async () => {
    const app = appSide();
    const now = Math.floor(Date.now() / 1000);
    const batch: Array<{ expect: RejectionKind | 'accepted'; request: Request; prefix?: string }> =
      [];
    const add = (
      kind: RejectionKind | 'accepted',
      count: number,
      make: () => Request,
      prefix?: string,
    ) => {
      for (let index = 0; index < count; index += 1)
        batch.push({ expect: kind, request: make(), prefix });
    };
    const accepted = Array.from({ length: 20 }, () => deliveryRequest(envelope()));
    add('accepted', 20, () => accepted.shift()!.clone());
    add('forged', 7, () => deliveryRequest(envelope(), { secret: WRONG_SECRET }));
    add('stale', 5, () => deliveryRequest(envelope(), { timestamp: now - 3600 }));
    add('missing-signature', 4, () => deliveryRequest(envelope(), { drop: [SIGNATURE_HEADER] }));
    add('wrong-queue', 3, () => deliveryRequest(envelope()), '__wkf_workflow_');
    add('malformed', 3, () => deliveryRequest(envelope(), { body: '[]' }));
    // Replays of deliveries already accepted above (same message id and attempt).
    const originals = Array.from({ length: 6 }, () => envelope());
    for (const original of originals) {
      expect((await app.send(deliveryRequest(original))).status).toBe(200);
    }
    add('replayed', 6, () => deliveryRequest(originals.shift()!));

    const counts: Record<string, number> = {};
    for (const item of batch) {
      const response = await app.send(item.request, item.prefix);
      const kind =
        response.status === 200 ? 'accepted' : ((await rejection(response)) ?? 'unknown');
      counts[kind] = (counts[kind] ?? 0) + 1;
      expect(kind).toBe(item.expect);
    }
    expect(counts).toEqual({
      accepted: 20,
      forged: 7,
      stale: 5,
      'missing-signature': 4,
      'wrong-queue': 3,
      malformed: 3,
      replayed: 6,
    });
    // 20 in the batch plus the 6 originals that were then replayed.
    expect(app.calls).toHaveLength(26);
    console.log(
      `signed delivery: ${counts.accepted} accepted; rejected ${counts.forged} forged, ${counts.stale} stale, ${counts.replayed} replayed, ${counts['missing-signature']} missing-signature, ${counts['wrong-queue']} wrong-prefix, ${counts.malformed} malformed`,
    );
  });

  it('never puts a secret in a response or a log line', async () => {
    const app = appSide({ previousSecrets: [WRONG_SECRET] });
    const responses = await Promise.all([
      app.send(deliveryRequest(envelope(), { secret: 'a-third-secret-nobody-configured-xyz' })),
      app.send(deliveryRequest(envelope(), { timestamp: 1 })),
      app.send(deliveryRequest(envelope(), { body: 'nonsense' })),
      app.send(deliveryRequest(envelope(), { drop: [SIGNATURE_HEADER] })),
    ]);
    const texts = await Promise.all(responses.map((response) => response.text()));
    expect(app.lines.length).toBeGreaterThanOrEqual(4);
    for (const text of [...texts, ...app.lines]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(WRONG_SECRET);
      expect(text).not.toContain('a-third-secret');
    }
  });
});
