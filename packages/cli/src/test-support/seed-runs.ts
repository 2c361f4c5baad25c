import { SPEC_VERSION_CURRENT } from '@workflow/world';
import type { ComposedWorld } from '@worldkit/core';

export const ORDER_WORKFLOW = 'workflow//./workflows/order//processOrder';
export const CHARGE_STEP = 'step//./workflows/order//charge';

/** A `wf build` manifest; `withOrder: false` is a build that dropped the order workflow. */
export function orderManifest(withOrder = true) {
  return {
    version: '1.0.0',
    workflows: withOrder
      ? { 'workflows/order.ts': { processOrder: { workflowId: ORDER_WORKFLOW } } }
      : { 'workflows/other.ts': { other: { workflowId: 'workflow//./workflows/other//other' } } },
    steps: withOrder ? { 'workflows/order.ts': { charge: { stepId: CHARGE_STEP } } } : {},
  };
}

/** Creates `count` pending runs pinned to `deploymentId`, as the runtime's `start()` would. */
export async function seedRuns(
  world: ComposedWorld,
  deploymentId: string,
  count: number,
  workflowName = ORDER_WORKFLOW,
): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < count; index++) {
    const result = await world.events.create(null, {
      eventType: 'run_created',
      specVersion: SPEC_VERSION_CURRENT,
      eventData: { deploymentId, workflowName, input: new TextEncoder().encode(`order-${index}`) },
    });
    ids.push(result.run!.runId);
  }
  return ids;
}

/**
 * A started run of `deploymentId` waiting on a hook whose token the workflow chose (`token`),
 * as the runtime writes it. Its hook id is made up, so a compatibility check of it reports a
 * replay-order problem; it is for what the check says about the run's tokens.
 */
export async function seedHookWaitingRun(
  world: ComposedWorld,
  deploymentId: string,
  token: string,
): Promise<string> {
  const [runId] = await seedRuns(world, deploymentId, 1);
  await world.events.create(runId!, { eventType: 'run_started' });
  await world.events.create(runId!, {
    eventType: 'hook_created',
    specVersion: SPEC_VERSION_CURRENT,
    correlationId: `hook_${runId!.slice(5)}`,
    eventData: { token },
  });
  return runId!;
}
