import { createHook, createWebhook, sleep } from 'workflow';

/**
 * Four approval workflows, each pausing on one of the runtime's waits — a webhook with a
 * generated token, a hook with a generated token, a hook with a token of our choosing, and a
 * sleep — between two steps. Each step records which release ran it, so after an upgrade you
 * can see which parts ran on the old code and which on the new one.
 *
 * The wait is created before the first step, so its event comes first in the run's log: a
 * `cancel-and-partial-resume` cut right after it keeps the wait (same token, same wake-up time)
 * and runs the first step again on the target version.
 */

/** Set at build time (next.config.ts `env`), so two builds of this file differ only here. */
const RELEASE = process.env.APP_RELEASE ?? 'dev';

export interface Approval {
  label: string;
  /** Release that ran the step before the wait. */
  preparedBy: string;
  /** Release that ran the step after the wait. */
  finishedBy: string;
  /** What the wait delivered: the webhook's JSON body, the hook's payload, or the wake-up time. */
  received: unknown;
}

async function prepare(label: string): Promise<{ label: string; release: string }> {
  'use step';
  return { label, release: RELEASE };
}

async function finish(
  prepared: { label: string; release: string },
  received: unknown,
): Promise<Approval> {
  'use step';
  return { label: prepared.label, preparedBy: prepared.release, finishedBy: RELEASE, received };
}

/** Resumed by any HTTP request to `/.well-known/workflow/v1/webhook/<token>`. */
export async function webhookApproval(label: string): Promise<Approval> {
  'use workflow';
  const webhook = createWebhook();
  const prepared = await prepare(label);
  const request = await webhook;
  return finish(prepared, await request.json());
}

/** Resumed by `resumeHook(token, payload)`; the token is generated and found via the run. */
export async function hookApproval(label: string): Promise<Approval> {
  'use workflow';
  const hook = createHook<{ approved: boolean; by: string }>();
  const prepared = await prepare(label);
  return finish(prepared, await hook);
}

/** Resumed by `resumeHook('approval:<label>', payload)`: the caller knows the token. */
export async function tokenApproval(label: string): Promise<Approval> {
  'use workflow';
  const hook = createHook<{ approved: boolean; by: string }>({ token: `approval:${label}` });
  const prepared = await prepare(label);
  return finish(prepared, await hook);
}

/** Approves itself at `until` (an ISO date), so restarting it does not move the deadline. */
export async function timedApproval(label: string, until: string): Promise<Approval> {
  'use workflow';
  const wake = sleep(new Date(until));
  const prepared = await prepare(label);
  await wake;
  return finish(prepared, { wokeAt: until });
}
