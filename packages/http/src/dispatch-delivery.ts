import { parseQueueName, type ValidQueueName } from '@workflow/world';
import type { HandlerResult, QueueEnvelope, Version, VersionStore } from '@worldkit/core';
import type { DeliveryAttempt, DeliveryFailureLog } from './delivery-failure-log.js';
import { postSignedEnvelope, type SignedPostSettings } from './post-signed-envelope.js';

/** What reaching a version's app needs: how to sign and send, and where addresses come from. */
export interface VersionEndpointSettings extends SignedPostSettings {
  versions: () => VersionStore;
}

export interface DispatchSettings extends VersionEndpointSettings {
  /** Where failed deliveries (and the first success after them) are reported. */
  failureLog?: DeliveryFailureLog;
}

/** Longest part of an app's error answer quoted in a failure reason. */
const MAX_QUOTED_ANSWER = 500;

/**
 * Posts one envelope to the app of the version it belongs to. The address comes from the
 * version store and nowhere else: not from the message, its headers or a redirect, so
 * whoever can enqueue a message still cannot choose where it (and its signature) goes.
 */
export async function dispatchDelivery(
  envelope: QueueEnvelope,
  settings: DispatchSettings,
): Promise<HandlerResult> {
  const { result, attempt } = await attemptDelivery(envelope, settings);
  settings.failureLog?.record(attempt);
  return result;
}

interface Outcome {
  result: HandlerResult;
  attempt: DeliveryAttempt;
}

async function attemptDelivery(
  envelope: QueueEnvelope,
  settings: DispatchSettings,
): Promise<Outcome> {
  const versionName = quote(envelope.deploymentId);
  const attempt: DeliveryAttempt = { version: envelope.deploymentId };
  const outcome = (result: HandlerResult, status?: number): Outcome => ({
    result,
    attempt: {
      ...attempt,
      ...(status === undefined ? {} : { status }),
      ...(result.type === 'failed'
        ? { error: result.error }
        : result.type === 'no-handler'
          ? { error: result.reason }
          : {}),
    },
  });
  let version: Version | null;
  try {
    version = await settings.versions().get(envelope.deploymentId);
  } catch (error) {
    return outcome(
      failed(`the version store could not be read for version ${versionName}: ${describe(error)}`),
    );
  }
  if (!version) {
    return outcome(
      noHandler(
        `version ${versionName} is not in the version store, so it has no address to deliver to`,
      ),
    );
  }
  if (!version.address) {
    return outcome(
      noHandler(
        `version ${versionName} has no address; set the URL its app serves /.well-known/workflow/v1/* at (versions.update(id, { address }))`,
      ),
    );
  }
  attempt.address = version.address;
  const target = endpointFor(version.address, envelope.queueName);
  if ('problem' in target) return outcome(noHandler(`version ${versionName}: ${target.problem}`));

  let response: Response;
  try {
    response = await postSignedEnvelope(target.url, envelope, settings);
  } catch (error) {
    if (error instanceof Error && error.name === 'TimeoutError') {
      return outcome(
        failed(`no answer from ${target.shown} within ${settings.requestTimeoutMs} ms`),
      );
    }
    return outcome(failed(`could not reach ${target.shown}: ${describe(error)}`));
  }

  const text = await response.text().catch(() => '');
  if (response.status >= 300 && response.status < 400) {
    return outcome(
      failed(
        `${target.shown} answered a redirect (HTTP ${response.status}); redirects are not followed`,
      ),
      response.status,
    );
  }
  if (!response.ok) {
    return outcome(
      failed(
        `${target.shown} answered HTTP ${response.status}: ${text.slice(0, MAX_QUOTED_ANSWER)}`,
      ),
      response.status,
    );
  }
  const timeoutSeconds = readTimeout(text);
  return outcome(
    timeoutSeconds === undefined ? { type: 'done' } : { type: 'timeout', timeoutSeconds },
    response.status,
  );
}

type Endpoint = { url: URL; shown: string } | { problem: string };

/**
 * `<address>/.well-known/workflow/v1/{flow|step}`, keeping any base path and query of the
 * address. Only origin and path are ever shown: a query may carry an access token.
 */
export function endpointFor(address: string, queueName: string): Endpoint {
  let base: URL;
  try {
    base = new URL(address);
  } catch {
    return { problem: 'its address is not a URL' };
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    return { problem: `its address must be http(s), not ${base.protocol}` };
  }
  if (base.username || base.password) {
    return { problem: 'its address must not embed credentials' };
  }
  const { kind } = parseQueueName(queueName as ValidQueueName);
  const url = new URL(base);
  url.hash = '';
  url.pathname = `${base.pathname.replace(/\/+$/, '')}/.well-known/workflow/v1/${kind === 'workflow' ? 'flow' : 'step'}`;
  return { url, shown: `${url.origin}${url.pathname}` };
}

/** `{ timeoutSeconds }` in a 200 answer asks for the same message again after that delay. */
function readTimeout(text: string): number | undefined {
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text) as { timeoutSeconds?: unknown } | null;
    const seconds = parsed?.timeoutSeconds;
    return typeof seconds === 'number' && Number.isFinite(seconds)
      ? Math.max(0, seconds)
      : undefined;
  } catch {
    return undefined;
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // undici reports "fetch failed" and puts what happened (ECONNREFUSED, ...) in `cause`.
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const detail = cause?.code ?? cause?.message;
  return detail ? `${error.message} (${String(detail)})` : error.message;
}

/** Version ids come from messages: quoted and cut short so a reason stays one tidy line. */
function quote(value: string): string {
  return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value);
}

const failed = (error: string): HandlerResult => ({ type: 'failed', error });
const noHandler = (reason: string): HandlerResult => ({ type: 'no-handler', reason });
