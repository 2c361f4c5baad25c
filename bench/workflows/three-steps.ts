/**
 * The benchmark's unit of work: three sequential steps, each a queue round-trip plus the
 * event writes around it (step_created, step_started, step_completed) and a workflow replay.
 * The steps do almost nothing, so the numbers measure the World, not the work.
 */
export async function threeSteps(runIndex: number) {
  'use workflow';

  const a = await addOne(runIndex);
  const b = await addOne(a);
  const c = await addOne(b);
  return c;
}

async function addOne(value: number) {
  'use step';
  return value + 1;
}
