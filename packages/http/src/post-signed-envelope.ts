import type { QueueEnvelope } from '@worldkit/core';
import { signDelivery } from './signature.js';

export interface SignedPostSettings {
  signingSecret: string;
  requestTimeoutMs: number;
  fetch: typeof fetch;
  now?: () => number;
}

/**
 * POSTs an envelope, signed (signature.ts), to a version's endpoint. Redirects are not
 * followed: a redirect would be an address the version store did not give. Rejects as `fetch`
 * does (a `TimeoutError` after `requestTimeoutMs`).
 */
export function postSignedEnvelope(
  url: URL,
  envelope: QueueEnvelope,
  settings: SignedPostSettings,
): Promise<Response> {
  const body = JSON.stringify(envelope);
  const timestamp = Math.floor((settings.now ?? Date.now)() / 1000);
  return settings.fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...signDelivery(
        settings.signingSecret,
        { timestamp, messageId: envelope.messageId, attempt: envelope.attempt },
        body,
      ),
    },
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(settings.requestTimeoutMs),
  });
}
