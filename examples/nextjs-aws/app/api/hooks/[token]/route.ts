import { resumeHook } from 'workflow/api';

export const dynamic = 'force-dynamic';

/**
 * Resumes the run waiting on a hook: `POST /api/hooks/<token>` with the payload as JSON body.
 * A real app authorizes the caller here before resuming.
 */
export async function POST(
  request: Request,
  context: { params: Promise<{ token: string }> },
): Promise<Response> {
  const { token } = await context.params;
  let payload: unknown;
  try {
    payload = await request.json();
  } catch {
    return Response.json({ error: 'expected a JSON body' }, { status: 400 });
  }
  try {
    const hook = await resumeHook(decodeURIComponent(token), payload);
    return Response.json({ runId: hook.runId });
  } catch (error) {
    return Response.json({ error: (error as Error).message }, { status: 404 });
  }
}
