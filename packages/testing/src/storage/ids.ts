/**
 * Identifiers for entities the suite creates.
 *
 * Run ids are real ULIDs (`wrun_<ulid>`): storages such as world-local validate that a client-given
 * run id carries a current timestamp. Ids are monotonic within this process so that entities created
 * in the same millisecond still sort in creation order, which the ordering tests rely on.
 * Ids never contain `.` or `/` because file-backed storages use them as file names.
 */
const CROCKFORD_BASE32 = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const RANDOM_LENGTH = 16;

let lastTime = -1;
let lastRandom: number[] = [];

function encodeTime(time: number): string {
  let encoded = '';
  let remaining = time;
  for (let i = 0; i < 10; i++) {
    encoded = CROCKFORD_BASE32[remaining % 32] + encoded;
    remaining = Math.floor(remaining / 32);
  }
  return encoded;
}

function freshRandom(): number[] {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(RANDOM_LENGTH));
  // Keep the top digit low so incrementing within one millisecond never overflows.
  return Array.from(bytes, (byte, index) => (index === 0 ? byte % 16 : byte % 32));
}

function incrementRandom(digits: number[]): number[] {
  const next = [...digits];
  for (let i = next.length - 1; i >= 0; i--) {
    if (next[i] < 31) {
      next[i] += 1;
      return next;
    }
    next[i] = 0;
  }
  throw new Error('monotonic ULID random part overflowed');
}

/** A monotonic ULID: later calls always sort after earlier ones. */
export function monotonicUlid(): string {
  const now = Date.now();
  lastRandom = now > lastTime ? freshRandom() : incrementRandom(lastRandom);
  lastTime = Math.max(now, lastTime);
  return encodeTime(lastTime) + lastRandom.map((digit) => CROCKFORD_BASE32[digit]).join('');
}

export const newRunId = (): string => `wrun_${monotonicUlid()}`;
export const newStepId = (): string => `step_${monotonicUlid()}`;
export const newHookId = (): string => `hook_${monotonicUlid()}`;
export const newWaitId = (): string => `wait_${monotonicUlid()}`;
export const newHookToken = (): string => `token-${monotonicUlid()}`;
/** A workflow name unique to one test, so list filters never see another test's runs. */
export const newWorkflowName = (label = 'wf'): string =>
  `workflow//./conformance//${label}_${monotonicUlid()}`;
