import { createWebhook, sleep } from 'workflow';

/**
 * A sign-up: create the account, email a confirmation link, wait (durably, for days if need
 * be) until the link is opened, then activate the account and send a welcome note.
 *
 * The link points at the HTTP server (server.mjs), which hands the request to the run's
 * webhook. It is built from the webhook's token rather than `webhook.url`, because the
 * runtime derives `webhook.url` from the port of the process running the workflow — the
 * worker, not the public server.
 */
export async function signUp(email: string) {
  'use workflow';

  const account = await createAccount(email);
  using confirmation = createWebhook();
  await sendConfirmationEmail(email, account.accountId, confirmation.token);
  const request = await confirmation;
  const confirmedFrom = request.headers.get('user-agent') ?? 'unknown client';
  await activateAccount(account.accountId);
  // A short durable timer: the message is held by the queue, not by this process.
  await sleep('1s');
  await sendWelcomeEmail(email);
  return { accountId: account.accountId, email, confirmedFrom };
}

async function createAccount(email: string) {
  'use step';
  return { accountId: `acct_${email.replace(/[^a-z0-9]/gi, '_')}` };
}

async function sendConfirmationEmail(email: string, accountId: string, token: string) {
  'use step';
  const publicUrl = process.env.PUBLIC_URL ?? 'http://127.0.0.1:3000';
  const link = `${publicUrl}/.well-known/workflow/v1/webhook/${encodeURIComponent(token)}`;
  // Stands in for an email provider: the worker's log shows the link to open.
  console.log(`email: to=${email} account=${accountId} confirm=${link}`);
}

async function activateAccount(accountId: string) {
  'use step';
  return { accountId, active: true };
}

async function sendWelcomeEmail(email: string) {
  'use step';
  console.log(`email: to=${email} welcome`);
}
