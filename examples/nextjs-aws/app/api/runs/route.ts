import { start } from 'workflow/api';
import {
  hookApproval,
  timedApproval,
  tokenApproval,
  webhookApproval,
} from '../../../workflows/approvals';

export const dynamic = 'force-dynamic';

const KINDS = ['webhook', 'hook', 'token', 'sleep'] as const;
type Kind = (typeof KINDS)[number];

interface StartRequest {
  /** Which approval: `webhook`, `hook` (generated token), `token` (token `approval:<label>`), `sleep`. */
  workflow: Kind;
  label?: string;
  /** For `sleep`: the ISO date it wakes up at (default: in 30 s). */
  until?: string;
  /** `latest` starts the run on the promoted version instead of this deployment's. */
  deploymentId?: string;
}

/** Starts an approval run: `POST /api/runs {"workflow":"webhook","deploymentId":"latest"}`. */
export async function POST(request: Request): Promise<Response> {
  let body: StartRequest;
  try {
    body = (await request.json()) as StartRequest;
  } catch {
    return Response.json({ error: 'expected a JSON body' }, { status: 400 });
  }
  if (!KINDS.includes(body.workflow)) {
    return Response.json(
      { error: `workflow must be one of ${KINDS.join(', ')}`, received: body.workflow ?? null },
      { status: 400 },
    );
  }
  const label = body.label ?? `${body.workflow}-${Date.now().toString(36)}`;
  const options = body.deploymentId ? { deploymentId: body.deploymentId } : undefined;
  const until = body.until ?? new Date(Date.now() + 30_000).toISOString();
  const run = options
    ? await startWith(body.workflow, label, until, options)
    : await startWith(body.workflow, label, until);
  return Response.json({ runId: run.runId, label }, { status: 201 });
}

function startWith(kind: Kind, label: string, until: string, options?: { deploymentId: string }) {
  switch (kind) {
    case 'webhook':
      return options ? start(webhookApproval, [label], options) : start(webhookApproval, [label]);
    case 'hook':
      return options ? start(hookApproval, [label], options) : start(hookApproval, [label]);
    case 'token':
      return options ? start(tokenApproval, [label], options) : start(tokenApproval, [label]);
    case 'sleep':
      return options
        ? start(timedApproval, [label, until], options)
        : start(timedApproval, [label, until]);
  }
}
