// Version 1 of the upgrade fixtures. Version 2 (../../v2) changes what `greet` returns, drops
// `legacyWorkflow` and swaps the order of `reorderedWorkflow`, so tests can tell which
// version's code ran each step and what an upgrade is allowed to do.
import { createHook, createWebhook, sleep } from 'workflow';
import { start } from 'workflow/api';

async function greet(name: string) {
  'use step';
  return `hello ${name} from v1`;
}

/** Greets, sleeps, greets again: an upgrade while it sleeps must resume after the sleep. */
export async function sleepingWorkflow(name: string, duration: string) {
  'use workflow';
  const first = await greet(name);
  await sleep(duration);
  const second = await greet(`${name} again`);
  return { first, second };
}

/** Greets, then waits on a webhook whose token (and so URL) the runtime generates. */
export async function webhookWaitingWorkflow() {
  'use workflow';
  const first = await greet('webhook');
  const webhook = createWebhook();
  const request = await webhook;
  const second = await greet(`webhook ${request.method}`);
  return { first, second };
}

/** Greets, then waits on a hook without a token (the runtime generates one) and a hook with one. */
export async function generatedHookWorkflow(explicitToken: string) {
  'use workflow';
  const first = await greet('hooks');
  using generated = createHook<{ value: number }>();
  using explicit = createHook<{ value: number }>({ token: explicitToken });
  const [one, two] = await Promise.all([generated, explicit]);
  const second = await greet(`payloads ${one.value} ${two.value}`);
  return { first, second };
}

/** Greets, then waits on a hook with a caller-chosen token. */
export async function hookWaitingWorkflow(token: string) {
  'use workflow';
  const first = await greet('hook');
  using hook = createHook<{ value: number }>({ token });
  const payload = await hook;
  const second = await greet(`payload ${payload.value}`);
  return { first, second };
}

/** Only in v1: v2 has no such workflow, so no run of it can be upgraded to v2. */
export async function legacyWorkflow(name: string) {
  'use workflow';
  const first = await greet(name);
  await sleep('1h');
  return first;
}

/** v1 greets then sleeps; v2 sleeps then greets, so v2 cannot replay a v1 log. */
export async function reorderedWorkflow(name: string) {
  'use workflow';
  const first = await greet(name);
  await sleep('1h');
  return first;
}

async function continueOnLatest(remaining: number) {
  'use step';
  const run = await start(chainWorkflow, [remaining], { deploymentId: 'latest' });
  return run.runId;
}

/** Greets, then continues itself as a new run on the latest version until `remaining` is 0. */
export async function chainWorkflow(remaining: number) {
  'use workflow';
  const greeting = await greet(`chain ${remaining}`);
  if (remaining <= 0) return { greeting, next: null };
  const next = await continueOnLatest(remaining - 1);
  return { greeting, next };
}

async function shout(name: string) {
  'use step';
  return name.toUpperCase();
}

/** v2 renames the `shout` step to `whisper`, so a v1 log names a step v2 does not have. */
export async function renamedStepWorkflow(name: string) {
  'use workflow';
  const loud = await shout(name);
  await sleep('1h');
  return loud;
}
