import { describe } from 'vitest';
import { skipUnlessCapable } from '../conformance.js';
import type { ResolvedCapabilities } from './conformance-options.js';

type BooleanCapability = {
  [K in keyof ResolvedCapabilities]: ResolvedCapabilities[K] extends boolean ? K : never;
}[keyof ResolvedCapabilities];

/** What a capability declared `false` means; the text is shown next to each skipped test. */
const WHAT_IS_MISSING: Record<BooleanCapability, string> = {
  concurrentWriters: 'storage does not arbitrate concurrent writers',
  atomicRunStart: 'concurrent run_started on one run may write more than one run_started event',
  atomicStepCreate: 'concurrent step_created for one step id may create the step twice',
  orderedResilientStart: 'a resilient start may log run_started before the run_created it implies',
  stateGuard:
    'storage ignores CreateEventParams.stateUpdatedAt (the optional optimistic-concurrency guard)',
};

/**
 * `describe` for a group that needs `capability`. The group's name says so; when the provider
 * under test declares the capability `false`, each test is skipped with the capability and what
 * it means as the reason.
 */
export function describeWhen(
  capabilities: () => ResolvedCapabilities,
  capability: BooleanCapability,
  name: string,
  body: () => void,
): void {
  describe(`${name} (needs ${capability})`, () => {
    skipUnlessCapable(capability, () => capabilities()[capability], WHAT_IS_MISSING[capability]);
    body();
  });
}
