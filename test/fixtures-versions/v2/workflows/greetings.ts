// Version 2 of the upgrade fixtures: `greet` answers "from v2", `legacyWorkflow` is gone and
// `reorderedWorkflow` sleeps before it greets. See ../../v1 for the original.
import { createHook, createWebhook, sleep } from 'workflow';
import { start } from 'workflow/api';

async function greet(name: string) {
  'use step';
  return `hello ${name} from v2`;
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

/** v1 greets then sleeps; v2 sleeps then greets, so v2 cannot replay a v1 log. */
export async function reorderedWorkflow(name: string) {
  'use workflow';
  await sleep('1h');
  return await greet(name);
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

async function whisper(name: string) {
  'use step';
  return name.toLowerCase();
}

/** v1 called the step `shout`; a v1 log of this workflow names a step v2 does not have. */
export async function renamedStepWorkflow(name: string) {
  'use workflow';
  const quiet = await whisper(name);
  await sleep('1h');
  return quiet;
}
