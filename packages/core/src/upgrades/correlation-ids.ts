import { type RunSeed, runRandom } from './run-seed.js';

/**
 * Maps the correlation ids of one run's steps, hooks and waits to the ids another run will
 * generate for the same calls.
 *
 * The runtime does not store which call an event belongs to; it regenerates each call's id on
 * replay with a ULID generator seeded by the run (`"<runId>:<workflowName>:<startedAt>"`, a
 * fixed timestamp of `startedAt`, monotonic). The first id takes 16 random characters from the
 * seeded `Math.random`; every later id is the previous one plus one. So the k-th call of run A
 * and the k-th call of run B differ only by their first id, which the seed determines — provided
 * the code draws the same number of random values before its first call (`drawsBefore`, found
 * by search: usually 0). Verified against @workflow/core 4.8.9 `dist/workflow.js` and ulid 3.
 */
const ENCODING = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_LENGTH = 10;
const RANDOM_LENGTH = 16;
/** How many random draws before the first call the search tries. */
const MAX_DRAWS_BEFORE = 256;
/** How many calls apart the first and last id of one run may be. */
const MAX_CALLS = 2n ** 32n;

export type CorrelationIdMap = (correlationId: string) => string;

/** Returns the mapping, or `null` when the old ids do not follow the old run's seed. */
export function mapCorrelationIds(
  from: RunSeed,
  to: RunSeed,
  correlationIds: string[],
): CorrelationIdMap | null {
  const fromTime = encodeTime(from.startedAt.getTime());
  const toTime = encodeTime(to.startedAt.getTime());
  const parsed = correlationIds.map(parseCorrelationId);
  if (parsed.some((id) => id === null || id.time !== fromTime)) return null;
  const offsets = parsed as ParsedCorrelationId[];
  if (offsets.length === 0) return (id) => id;

  const smallest = offsets.reduce(
    // biome-ignore lint/complexity/useMathMinMax: bigint values; Math.min takes numbers only.
    (low, id) => (id.random < low ? id.random : low),
    offsets[0]!.random,
  );
  for (let drawsBefore = 0; drawsBefore <= MAX_DRAWS_BEFORE; drawsBefore++) {
    const fromFirst = firstRandomPart(runRandom(from, drawsBefore));
    const distance = smallest - fromFirst;
    if (distance >= 0n && distance < MAX_CALLS) {
      const toFirst = firstRandomPart(runRandom(to, drawsBefore));
      const mapped = new Map<string, string>();
      for (const [index, id] of offsets.entries()) {
        const random = toFirst + (id.random - fromFirst);
        mapped.set(correlationIds[index]!, `${id.prefix}${toTime}${encodeRandomPart(random)}`);
      }
      return (id) => {
        const next = mapped.get(id);
        if (!next) throw new Error(`correlation id ${id} was not part of the mapping`);
        return next;
      };
    }
  }
  return null;
}

/** The random part of the first ULID the generator yields, as a number. */
function firstRandomPart(random: () => number): bigint {
  // ulid's encodeRandom prepends each character, so the first draw is the last character.
  let text = '';
  for (let index = 0; index < RANDOM_LENGTH; index++) {
    text = ENCODING.charAt(Math.floor(random() * ENCODING.length) % ENCODING.length) + text;
  }
  return decodeBase32(text);
}

interface ParsedCorrelationId {
  prefix: string;
  time: string;
  random: bigint;
}

function parseCorrelationId(id: string): ParsedCorrelationId | null {
  const match = /^([a-z]+_)([0-9A-HJKMNP-TV-Z]{10})([0-9A-HJKMNP-TV-Z]{16})$/.exec(id);
  if (!match) return null;
  return { prefix: match[1]!, time: match[2]!, random: decodeBase32(match[3]!) };
}

function decodeBase32(text: string): bigint {
  let value = 0n;
  for (const char of text) value = value * 32n + BigInt(ENCODING.indexOf(char));
  return value;
}

function encodeRandomPart(value: bigint): string {
  let text = '';
  let rest = value;
  for (let index = 0; index < RANDOM_LENGTH; index++) {
    text = ENCODING.charAt(Number(rest % 32n)) + text;
    rest /= 32n;
  }
  return text;
}

function encodeTime(milliseconds: number): string {
  let text = '';
  let rest = milliseconds;
  for (let index = 0; index < TIME_LENGTH; index++) {
    const digit = rest % 32;
    text = ENCODING.charAt(digit) + text;
    rest = (rest - digit) / 32;
  }
  return text;
}
