export const dynamic = 'force-dynamic';

export default function Home() {
  const release = process.env.APP_RELEASE ?? 'dev';
  return (
    <main>
      <h1>Approvals on Worldkit</h1>
      <p>
        Release <code>{release}</code>. Workflow data lives in AWS (PostgreSQL + SQS, or DynamoDB +
        SQS + Redis); a dispatcher posts each queued message to the deployment of its run&apos;s
        version.
      </p>
      <ul>
        <li>
          <code>POST /api/runs</code> <code>{'{"workflow":"webhook"}'}</code> starts a run (
          <code>webhook</code>, <code>hook</code>, <code>token</code> or <code>sleep</code>; add{' '}
          <code>{'"deploymentId":"latest"'}</code> to start it on the promoted version).
        </li>
        <li>
          <code>GET /api/runs/&lt;runId&gt;</code> shows its status, result and webhook URL.
        </li>
        <li>
          <code>POST /api/hooks/&lt;token&gt;</code> resumes a hook with a JSON payload.
        </li>
        <li>
          <code>GET /api/health</code> names this deployment&apos;s version and backend.
        </li>
      </ul>
    </main>
  );
}
