import { getRegisteredWorld } from '@worldkit/next/register';

export const dynamic = 'force-dynamic';

/** Which version this deployment runs and which backend its World uses. */
export async function GET(): Promise<Response> {
  const world = getRegisteredWorld();
  const { providers } = world.worldkit;
  return Response.json({
    deploymentId: world.worldkit.deploymentId,
    release: process.env.APP_RELEASE ?? 'dev',
    storage: providers.storage.name,
    queue: providers.queue.name,
    streamer: providers.streamer.name,
    compute: providers.compute.name,
  });
}
