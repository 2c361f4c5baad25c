/**
 * Workloads that show how a World's cost grows: a run's length (steps awaited one after
 * another) and its width (steps awaited all at once). The steps do almost nothing, as in
 * three-steps.ts, so what grows is the World's and the runtime's work.
 */
export async function stepsInSequence(count: number) {
  'use workflow';

  let value = 0;
  for (let index = 0; index < count; index++) value = await addOne(value);
  return value;
}

/** 10 steps at once, then 100 at once: the shape of the Workflow SDK's own fan-out test. */
export async function stepsInParallel(first: number, second: number) {
  'use workflow';

  const a = await Promise.all(Array.from({ length: first }, (_, index) => addOne(index)));
  const b = await Promise.all(Array.from({ length: second }, (_, index) => addOne(index)));
  return a.length + b.length;
}

async function addOne(value: number) {
  'use step';
  return value + 1;
}
