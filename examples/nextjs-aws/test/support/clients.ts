import { waitUntil } from '@worldkit/testing';
import { runToEnd } from './processes.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** `stdout` parsed, for `--json` commands that succeeded. */
  json: unknown;
}

/** Runs the `worldkit` CLI (built bin) as an operator would, in the app directory. */
export function worldkitCli(options: { bin: string; cwd: string; env: NodeJS.ProcessEnv }) {
  return async (args: string[]): Promise<CliResult> => {
    const result = await runToEnd(process.execPath, [options.bin, ...args], {
      cwd: options.cwd,
      env: options.env,
      timeoutMs: 120_000,
    });
    let json: unknown;
    if (args.includes('--json') && result.stdout.trim()) {
      try {
        json = JSON.parse(result.stdout);
      } catch {
        json = undefined;
      }
    }
    return { ...result, json };
  };
}

export type ApprovalKind = 'webhook' | 'hook' | 'token' | 'sleep';

export interface RunView {
  runId: string;
  workflowName: string;
  status: string;
  deploymentId: string;
  result?: {
    label: string;
    preparedBy: string;
    finishedBy: string;
    received: unknown;
  };
  error: unknown;
  hooks: Array<{ token: string; isWebhook: boolean; url: string | null }>;
  events?: Array<{ eventId: string; eventType: string; correlationId: string | null }>;
}

/** The example app's own API, on one deployment. */
export function appClient(baseUrl: string) {
  const call = async (path: string, init?: RequestInit) => {
    const response = await fetch(`${baseUrl}${path}`, init);
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {}
    return { status: response.status, body };
  };
  const json = (method: string, value: unknown): RequestInit => ({
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(value),
  });
  return {
    baseUrl,
    async health(): Promise<Record<string, string>> {
      const { status, body } = await call('/api/health');
      if (status !== 200) throw new Error(`GET /api/health answered ${status}: ${String(body)}`);
      return body as Record<string, string>;
    },
    async startRun(request: {
      workflow: ApprovalKind;
      label: string;
      until?: string;
      deploymentId?: string;
    }): Promise<string> {
      const { status, body } = await call('/api/runs', json('POST', request));
      if (status !== 201) {
        throw new Error(`POST /api/runs answered ${status}: ${JSON.stringify(body)}`);
      }
      return (body as { runId: string }).runId;
    },
    async run(runId: string, events = false): Promise<RunView> {
      const { status, body } = await call(`/api/runs/${runId}${events ? '?events=1' : ''}`);
      if (status !== 200) throw new Error(`GET /api/runs/${runId} answered ${status}`);
      return body as RunView;
    },
    /** Resumes a hook through this deployment's `/api/hooks/<token>` route. */
    async resumeHook(token: string, payload: unknown): Promise<{ status: number; body: unknown }> {
      return call(`/api/hooks/${encodeURIComponent(token)}`, json('POST', payload));
    },
  };
}

export type AppClient = ReturnType<typeof appClient>;

/** POSTs a JSON body to a webhook URL, as the external system would. */
export async function callWebhook(url: string, payload: unknown): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  });
  await response.arrayBuffer();
  return response.status;
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

export function waitForStatus(app: AppClient, runId: string, timeoutMs: number): Promise<RunView> {
  return waitUntil(
    async () => {
      const run = await app.run(runId);
      return TERMINAL.has(run.status) ? run : undefined;
    },
    { what: `run ${runId} to finish`, timeoutMs, intervalMs: 100, retryErrors: true },
  );
}

/**
 * Waits until a run is paused where its workflow waits: its first step finished and its wait
 * recorded (a hook for the hook kinds, a `wait_created` event for sleep).
 */
export function waitUntilPaused(
  app: AppClient,
  runId: string,
  kind: ApprovalKind,
  timeoutMs: number,
): Promise<RunView> {
  return waitUntil(
    async () => {
      const run = await app.run(runId, true);
      if (TERMINAL.has(run.status)) {
        throw new Error(
          `run ${runId} ended (${run.status}) before pausing: ${JSON.stringify(run)}`,
        );
      }
      const types = run.events?.map((event) => event.eventType) ?? [];
      const waiting = kind === 'sleep' ? types.includes('wait_created') : run.hooks.length > 0;
      return waiting && types.includes('step_completed') ? run : undefined;
    },
    {
      what: `run ${runId} to pause on its ${kind}`,
      timeoutMs,
      intervalMs: 100,
      retryErrors: true,
    },
  );
}
