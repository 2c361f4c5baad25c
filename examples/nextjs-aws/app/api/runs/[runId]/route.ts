import { getRun } from 'workflow/api';
import { getWorld } from 'workflow/runtime';

export const dynamic = 'force-dynamic';

/**
 * What a run is doing: `GET /api/runs/<runId>` answers its status, version, result or error,
 * the hooks it waits on (with each webhook's URL on this deployment) and, with `?events=1`, its
 * event log (ids to cut at for a partial-resume upgrade).
 */
export async function GET(
  request: Request,
  context: { params: Promise<{ runId: string }> },
): Promise<Response> {
  const { runId } = await context.params;
  const world = getWorld();
  let run: Awaited<ReturnType<typeof world.runs.get>>;
  try {
    run = await world.runs.get(runId, { resolveData: 'none' });
  } catch (error) {
    return Response.json({ error: (error as Error).message }, { status: 404 });
  }
  const origin = publicOrigin(request);
  const hooks = await world.hooks.list({ runId, pagination: { limit: 100 } });
  const answer: Record<string, unknown> = {
    runId,
    workflowName: run.workflowName,
    status: run.status,
    deploymentId: run.deploymentId,
    createdAt: run.createdAt,
    completedAt: run.completedAt ?? null,
    error: run.error ?? null,
    hooks: hooks.data.map((hook) => ({
      token: hook.token,
      isWebhook: hook.isWebhook ?? true,
      url: hook.isWebhook === false ? null : webhookUrl(origin, hook.token),
    })),
  };
  if (run.status === 'completed') answer.result = await getRun(runId).returnValue;
  if (new URL(request.url).searchParams.get('events') === '1') {
    const events = await world.events.list({
      runId,
      pagination: { limit: 1000, sortOrder: 'asc' },
      resolveData: 'none',
    });
    answer.events = events.data.map((event) => ({
      eventId: event.eventId,
      eventType: event.eventType,
      correlationId: event.correlationId ?? null,
    }));
  }
  return Response.json(answer);
}

/** The origin the caller used (behind a proxy, the forwarded one), for URLs it can call back. */
function publicOrigin(request: Request): string {
  const host = request.headers.get('x-forwarded-host') ?? request.headers.get('host');
  if (!host) return new URL(request.url).origin;
  const proto =
    request.headers.get('x-forwarded-proto') ?? new URL(request.url).protocol.replace(':', '');
  return `${proto}://${host}`;
}

function webhookUrl(origin: string, token: string): string {
  return `${origin}/.well-known/workflow/v1/webhook/${encodeURIComponent(token)}`;
}
