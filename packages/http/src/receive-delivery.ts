import { parseQueueName, type ValidQueueName } from '@workflow/world';
import {
  type ClaimStore,
  type Logger,
  type QueueEnvelope,
  queueEnvelopeSchema,
  type RuntimeQueueHandler,
  replayOnVersion,
  replayRequestOf,
} from '@worldkit/core';
import { decodeMessage, withDeliveryScope, withRecoveryScope } from '@worldkit/core/internal';
import { BodyTooLargeError, readBoundedBody } from './bounded-body.js';
import {
  ATTEMPT_HEADER,
  MESSAGE_ID_HEADER,
  type ReceivedSignature,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifyDeliverySignature,
} from './signature.js';

/** Why an inbound delivery was refused; sent back as `rejected` and logged. */
export type RejectionKind =
  | 'method'
  | 'missing-signature'
  | 'forged'
  | 'stale'
  | 'replayed'
  | 'malformed'
  | 'wrong-queue'
  | 'wrong-version'
  | 'too-large';

/**
 * 401: the request proves nothing (no, bad or expired signature) — retrying it unchanged
 * cannot help. 409: an authentic delivery already accepted once; the dispatcher's next
 * attempt carries a new attempt number and passes. 400: signed but not a delivery this
 * endpoint can run. 422: a delivery for another version reached this app (a wrong address
 * in the version store); the code here must not run it. (Not 421 Misdirected Request:
 * fetch clients retry a 421 on a new connection, which would arrive as a replay.)
 */
const STATUS: Record<RejectionKind, number> = {
  method: 405,
  'missing-signature': 401,
  forged: 401,
  stale: 401,
  replayed: 409,
  malformed: 400,
  'wrong-queue': 400,
  'wrong-version': 422,
  'too-large': 413,
};

/** Claim keys of deliveries in a shared claim store: `delivery:<message id>#<attempt>`. */
export const DELIVERY_CLAIM_PREFIX = 'delivery:';

export interface ReceiveSettings {
  /** The queue prefix the endpoint serves (`__wkf_workflow_` or `__wkf_step_`). */
  prefix: string;
  handler: RuntimeQueueHandler;
  acceptedSecrets: readonly string[];
  toleranceSeconds: number;
  /** Bodies past this are refused while they stream in, before anything else is checked. */
  maxBodyBytes: number;
  /**
   * Where accepted deliveries are claimed: the World's durable claim store (shared by every
   * app instance, survives restarts) or this process's memory.
   */
  replays: ClaimStore;
  /** Whether the code behind `handler` belongs to this version. */
  servesVersion: (deploymentId: string) => boolean;
  logger: Logger;
  now?: () => number;
}

class Rejection {
  constructor(
    readonly kind: RejectionKind,
    readonly reason: string,
  ) {}
}

/**
 * Turns a signed HTTP delivery into a call of the runtime's queue handler. Checks run
 * cheapest-first and nothing about the body is trusted before the signature is verified.
 * Never throws: every problem becomes a response the dispatcher maps to a retry.
 */
export async function receiveDelivery(
  request: Request,
  settings: ReceiveSettings,
): Promise<Response> {
  try {
    const envelope = await authenticate(request, settings);
    return await run(envelope, settings);
  } catch (error) {
    if (error instanceof Rejection) {
      settings.logger.warn('rejected a workflow delivery', {
        rejected: error.kind,
        status: STATUS[error.kind],
        reason: error.reason,
      });
      return Response.json(
        { rejected: error.kind, error: error.reason },
        {
          status: STATUS[error.kind],
          headers: error.kind === 'method' ? { allow: 'POST' } : undefined,
        },
      );
    }
    const message = error instanceof Error ? error.message : String(error);
    settings.logger.error('workflow delivery failed unexpectedly', { reason: message });
    return Response.json({ error: message }, { status: 500 });
  }
}

async function authenticate(request: Request, settings: ReceiveSettings): Promise<QueueEnvelope> {
  if (request.method.toUpperCase() !== 'POST') {
    throw new Rejection('method', `deliveries are POST requests, not ${request.method}`);
  }
  const received = readSignatureHeaders(request);
  if (!received) {
    throw new Rejection(
      'missing-signature',
      `a delivery needs the ${SIGNATURE_HEADER}, ${TIMESTAMP_HEADER}, ${MESSAGE_ID_HEADER} and ${ATTEMPT_HEADER} headers`,
    );
  }
  let body: Uint8Array;
  try {
    body = await readBoundedBody(request, settings.maxBodyBytes);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    throw new Rejection(
      'too-large',
      `${error.message} (maxBodyBytes); it was not read, so its signature was not checked`,
    );
  }
  if (!verifyDeliverySignature(settings.acceptedSecrets, received, body)) {
    throw new Rejection('forged', 'the signature does not match (wrong secret or altered request)');
  }

  const now = (settings.now ?? Date.now)();
  const timestampMs = Number(received.timestamp) * 1000;
  const toleranceMs = settings.toleranceSeconds * 1000;
  if (Math.abs(now - timestampMs) > toleranceMs) {
    throw new Rejection(
      'stale',
      `the delivery is timestamped ${Math.round((now - timestampMs) / 1000)} s from this server's clock; at most ${settings.toleranceSeconds} s is accepted (check clock sync)`,
    );
  }
  // Claimed only once the signature holds: forged requests must not fill the cache or
  // block the real delivery they imitate.
  const deliveryKey = `${received.messageId}#${received.attempt}`;
  if (!(await claimDelivery(settings.replays, deliveryKey, timestampMs + toleranceMs))) {
    throw new Rejection('replayed', `delivery ${deliveryKey} was already accepted`);
  }

  const envelope = parseEnvelope(body);
  if (envelope.messageId !== received.messageId || String(envelope.attempt) !== received.attempt) {
    throw new Rejection(
      'malformed',
      'the message id or attempt in the body differs from the headers',
    );
  }
  const { prefix } = parseQueueName(envelope.queueName as ValidQueueName);
  if (prefix !== settings.prefix) {
    throw new Rejection(
      'wrong-queue',
      `this endpoint serves ${settings.prefix}* queues, not ${envelope.queueName}`,
    );
  }
  if (!settings.servesVersion(envelope.deploymentId)) {
    throw new Rejection(
      'wrong-version',
      `the delivery is for version ${JSON.stringify(envelope.deploymentId)}, whose code is not loaded here (check its address in the version store)`,
    );
  }
  return envelope;
}

async function run(envelope: QueueEnvelope, settings: ReceiveSettings): Promise<Response> {
  let message: unknown;
  try {
    message = decodeMessage(envelope.body);
  } catch {
    throw new Rejection('malformed', 'the envelope body is not valid tagged JSON');
  }
  const replay = replayRequestOf(message);
  if (replay) {
    // A replay check of an upgrade: the code here replays the log in a sandbox, nothing runs
    // for real. Signed like a delivery, so only the dispatcher's secret can ask for one.
    return Response.json({ replay: await replayOnVersion(settings.handler, replay) });
  }
  try {
    // Follow-up messages the handler enqueues belong to the run's version.
    const result = await withRecoveryScope(envelope.idempotencyKey, () =>
      withDeliveryScope(envelope.deploymentId, () =>
        settings.handler(message, {
          attempt: envelope.attempt,
          queueName: envelope.queueName,
          messageId: envelope.messageId,
        }),
      ),
    );
    if (result && typeof result.timeoutSeconds === 'number') {
      // JSON has no NaN or Infinity; a redelivery "now" beats losing the wait altogether.
      const seconds = Number.isFinite(result.timeoutSeconds) ? result.timeoutSeconds : 0;
      return Response.json({ timeoutSeconds: Math.max(0, seconds) });
    }
    return Response.json({ done: true });
  } catch (error) {
    // The handler's own failure: the dispatcher retries with backoff, as in-process would.
    return Response.json(
      { error: error instanceof Error ? error.message : String(error) },
      { status: 500 },
    );
  }
}

/**
 * Claims the delivery until its timestamp can no longer pass the tolerance check. A store
 * that cannot answer (its database down) fails the request with a 500: the delivery is neither
 * run unchecked nor marked as a replay, and the dispatcher retries it with backoff.
 */
async function claimDelivery(
  replays: ClaimStore,
  deliveryKey: string,
  expiresAtMs: number,
): Promise<boolean> {
  try {
    return await replays.claimOnce(`${DELIVERY_CLAIM_PREFIX}${deliveryKey}`, expiresAtMs);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`the replay store could not record delivery ${deliveryKey}: ${reason}`);
  }
}

function readSignatureHeaders(request: Request): ReceivedSignature | undefined {
  const signature = request.headers.get(SIGNATURE_HEADER);
  const timestamp = request.headers.get(TIMESTAMP_HEADER);
  const messageId = request.headers.get(MESSAGE_ID_HEADER);
  const attempt = request.headers.get(ATTEMPT_HEADER);
  if (!signature || !timestamp || !messageId || !attempt) return undefined;
  // Canonical digits only, so one delivery has exactly one signed form.
  if (!/^[1-9][0-9]{0,11}$/.test(timestamp) || !/^[1-9][0-9]{0,9}$/.test(attempt)) {
    return undefined;
  }
  return { signature, timestamp, messageId, attempt };
}

function parseEnvelope(body: Uint8Array): QueueEnvelope {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    throw new Rejection('malformed', 'the body is not UTF-8 JSON');
  }
  const parsed = queueEnvelopeSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join('.') || '(root)'} ${issue.message}`)
      .join('; ');
    throw new Rejection('malformed', `the body is not a queue envelope: ${issues}`);
  }
  return parsed.data;
}
