/**
 * Runs once per server process, before it serves any request: composes the World from
 * world.config.ts and hands it to the Workflow runtime. The config is imported here, in code the
 * bundler sees, so it is compiled into the server build and every provider it imports is traced
 * into the standalone output. The app does not consume the queue: the dispatcher does.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { registerWorldkit } = await import('@worldkit/next/register');
  await registerWorldkit(await import('./world.config'));
}
