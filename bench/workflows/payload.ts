/**
 * Step payload size: `count` steps in sequence, each taking and returning a string of `bytes`
 * characters (ASCII, so bytes). The runtime stores every step's input and output in the event
 * log and replays the log on every delivery, so this shows what a World pays per byte moved
 * through steps, against stepsInSequence (growth.ts) which moves a number.
 */
export async function payloadSteps(count: number, bytes: number) {
  'use workflow';

  let payload = incompressible(bytes);
  for (let index = 0; index < count; index++) payload = await passOn(payload);
  // The length, not the payload: the run's output is not what is being measured.
  return payload.length;
}

/** Returns a payload of the same size but different content, as a real step would. */
async function passOn(payload: string) {
  'use step';
  return payload.slice(1) + payload[0];
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Pseudo-random characters (xorshift32, fixed seed, so every replay builds the same string):
 * PostgreSQL compresses large values (TOAST), and a repeated character would shrink to almost
 * nothing there while other Worlds store it whole. Random text is the worst case for all.
 */
function incompressible(bytes: number) {
  let state = 2463534242;
  const characters = new Array<string>(bytes);
  for (let index = 0; index < bytes; index++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    characters[index] = ALPHABET[(state >>> 0) & 63];
  }
  return characters.join('');
}
