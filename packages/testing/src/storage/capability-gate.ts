import { describe } from 'vitest';
import type { ResolvedCapabilities } from './conformance-options.js';

type BooleanCapability = {
  [K in keyof ResolvedCapabilities]: ResolvedCapabilities[K] extends boolean ? K : never;
}[keyof ResolvedCapabilities];

/** Why a group is off when its capability is `false`; the text lands in the skipped group's name. */
const WHAT_IS_MISSING: Record<BooleanCapability, string> = {
  concurrentWriters: 'storage does not arbitrate concurrent writers',
  atomicRunStart: 'concurrent run_started on one run may write more than one run_started event',
  atomicStepCreate: 'concurrent step_created for one step id may create the step twice',
  orderedResilientStart: 'a resilient start may log run_started before the run_created it implies',
  stateGuard:
    'storage ignores CreateEventParams.stateUpdatedAt (the optional optimistic-concurrency guard)',
};

/**
 * `describe` for a group that needs `capability`. When the storage lacks it, the group is skipped
 * under a name that says which switch turned it off and what that switch means.
 */
export function describeWhen(
  capabilities: ResolvedCapabilities,
  capability: BooleanCapability,
  name: string,
  body: () => void,
): void {
  if (capabilities[capability]) {
    describe(name, body);
    return;
  }
  describe.skip(
    `${name} (skipped: capability ${capability}=false — ${WHAT_IS_MISSING[capability]})`,
    body,
  );
}
