/**
 * A run that waits twice, the way real workflows do: on a hook (resumed from outside by the
 * benchmark with `resumeHook(token, payload)` once the hook exists), then on `sleep('1s')`,
 * then runs one step. The token is chosen by the caller so the benchmark can resume it
 * without looking the hook up.
 */
import { createHook, sleep } from 'workflow';

export async function hookThenSleep(token: string) {
  'use workflow';

  using hook = createHook<{ value: number }>({ token });
  const { value } = await hook;
  await sleep('1s');
  return await addOne(value);
}

async function addOne(value: number) {
  'use step';
  return value + 1;
}
