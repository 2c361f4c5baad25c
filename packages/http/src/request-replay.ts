import { randomUUID } from 'node:crypto';
import {
  type QueueEnvelope,
  type ReplayRequest,
  type ReplayVerdict,
  replayRequestMessage,
} from '@worldkit/core';
import { encodeMessage } from '@worldkit/core/internal';
import { endpointFor, type VersionEndpointSettings } from './dispatch-delivery.js';
import { postSignedEnvelope } from './post-signed-envelope.js';

const notChecked = (reason: string): ReplayVerdict => ({ status: 'not-checked', reason });

/**
 * Asks the deployment of `versionId` to replay a run's log on its own code (the replay check
 * of an upgrade, before anything is cancelled). The request travels as a signed delivery to the
 * version's workflow endpoint — same address rules, same signature, freshness and replay checks
 * as a real delivery — whose message is a replay request instead of a runtime message
 * (`replayRequestMessage`), so any app that accepts deliveries answers it and no new route is
 * needed. The app runs it in a sandbox and answers `{ replay: verdict }`; every failure to get
 * an answer is `not-checked` with the reason, never a pass.
 */
export async function requestReplay(
  versionId: string,
  request: ReplayRequest,
  settings: VersionEndpointSettings,
): Promise<ReplayVerdict> {
  const version = await settings.versions().get(versionId);
  if (!version?.address) {
    return notChecked(`version "${versionId}" has no address, so its deployment cannot be asked`);
  }
  const queueName = `__wkf_workflow_${request.run.workflowName}`;
  const target = endpointFor(version.address, queueName);
  if ('problem' in target) return notChecked(`version "${versionId}": ${target.problem}`);

  const now = (settings.now ?? Date.now)();
  const envelope: QueueEnvelope = {
    format: 1,
    messageId: `msg_replay_check_${randomUUID()}`,
    queueName,
    deploymentId: versionId,
    body: encodeMessage(replayRequestMessage(request)),
    attempt: 1,
    failures: 0,
    notBefore: 0,
    createdAt: now,
  };
  let response: Response;
  try {
    response = await postSignedEnvelope(target.url, envelope, settings);
  } catch (error) {
    return notChecked(
      `could not ask ${target.shown} to replay: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const text = await response.text().catch(() => '');
  if (!response.ok) {
    return notChecked(
      `${target.shown} answered the replay request with HTTP ${response.status}: ${text.slice(0, 300)}`,
    );
  }
  const verdict = verdictIn(text);
  return (
    verdict ??
    notChecked(
      `${target.shown} accepted the replay request but did not answer with a verdict (is its @worldkit/http older than the replay check?)`,
    )
  );
}

function verdictIn(text: string): ReplayVerdict | undefined {
  try {
    const parsed = JSON.parse(text) as { replay?: Partial<ReplayVerdict> } | null;
    const replay = parsed?.replay;
    if (replay?.status === 'compatible') return { status: 'compatible' };
    if (replay?.status === 'not-checked') {
      return notChecked(`the deployment could not replay: ${String(replay.reason)}`);
    }
    if (replay?.status === 'diverged') {
      return {
        status: 'diverged',
        ...(typeof replay.eventId === 'string' ? { eventId: replay.eventId } : {}),
        ...(typeof replay.failureMessage === 'string'
          ? { failureMessage: replay.failureMessage }
          : {}),
      };
    }
  } catch {
    // Not JSON: reported as no verdict.
  }
  return undefined;
}
