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
