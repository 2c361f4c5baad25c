import {
  type ClaimStore,
  encodeMessage,
  type QueueEnvelope,
  type RuntimeQueueHandler,
  WorldkitConfigError,
} from '@worldkit/core';
import { silentLogger, testProviderContext } from '@worldkit/testing';
import { describe, expect, it } from 'vitest';
import { httpCompute } from './http-compute.js';
import { signDelivery } from './signature.js';

const SECRET = 'replay-store-test-secret-0123456789abcdef';
const VERSION = 'vers_app';
const STEP_PREFIX = '__wkf_step_';

function signedRequest(messageId: string, timestamp: number) {
  const envelope: QueueEnvelope = {
    format: 1,
    messageId,
    queueName: '__wkf_step_add',
    deploymentId: VERSION,
    body: encodeMessage({ n: 1 }),
    attempt: 2,
    failures: 0,
    notBefore: 0,
    createdAt: 0,
  };
  const body = JSON.stringify(envelope);
  return new Request('http://app.test/.well-known/workflow/v1/step', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...signDelivery(SECRET, { timestamp, messageId, attempt: 2 }, body),
    },
    body,
  });
}

function app(replayCache: ClaimStore) {
  const compute = httpCompute({ secret: SECRET, toleranceSeconds: 60, replayCache }).create(
    testProviderContext({ deploymentId: VERSION, logger: silentLogger }),
  );
  const runs: string[] = [];
  const handler: RuntimeQueueHandler = async (_message, meta) => {
    runs.push(meta.messageId);
  };
  compute.register(VERSION, STEP_PREFIX, handler);
  return {
    runs,
    send: (request: Request) => compute.handleRequest!(STEP_PREFIX, handler, request),
  };
}

describe('the replayCache setting', () => {
  it('claims each delivery in the given store until its timestamp leaves the tolerance window', async () => {
    const claimed: Array<[string, number]> = [];
    const seen = new Set<string>();
    const store: ClaimStore = {
      async claimOnce(key, expiresAtMs) {
        claimed.push([key, expiresAtMs]);
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      },
    };
    const { runs, send } = app(store);
    const timestamp = Math.floor(Date.now() / 1000);

    expect((await send(signedRequest('msg_1', timestamp))).status).toBe(200);
    const replayed = await send(signedRequest('msg_1', timestamp));
    expect(replayed.status).toBe(409);
    expect(await replayed.json()).toMatchObject({ rejected: 'replayed' });
    expect(runs).toEqual(['msg_1']);
    expect(claimed).toEqual([
      ['delivery:msg_1#2', (timestamp + 60) * 1000],
      ['delivery:msg_1#2', (timestamp + 60) * 1000],
    ]);
  });

  it('answers 500 without running the handler when the store cannot answer', async () => {
    const { runs, send } = app({
      claimOnce: () => Promise.reject(new Error('connection refused')),
    });
    const response = await send(signedRequest('msg_2', Math.floor(Date.now() / 1000)));
    expect(response.status).toBe(500);
    expect(((await response.json()) as { error: string }).error).toBe(
      'the replay store could not record delivery msg_2#2: connection refused',
    );
    expect(runs).toEqual([]);
  });

  it('is refused when it is neither a claim store nor "memory"', () => {
    let error: unknown;
    try {
      httpCompute({ secret: SECRET, replayCache: 'redis' as never });
    } catch (caught) {
      error = caught;
    }
    expect(WorldkitConfigError.is(error)).toBe(true);
    expect((error as Error).message).toContain(
      "replayCache: expected 'memory' or a claim store (an object with claimOnce(key, expiresAtMs))",
    );
  });
});
