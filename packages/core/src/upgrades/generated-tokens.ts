import { type RunSeed, runRandomValues } from './run-seed.js';

/**
 * Finds which hook tokens of a run the runtime generated (`createWebhook()`, `createHook()`
 * without a token) and computes the token another run's replay generates for the same call.
 *
 * The runtime generates a token with nanoid's `customRandom(urlAlphabet, 21, …)` fed by the
 * run's seeded `Math.random` (`byte = 256 * Math.random()`): each token takes 34 consecutive
 * draws and reads 21 of them backwards (`bytes[33]` first). Which draw a token starts at
 * depends on what the workflow did before (ids take draws too), so it is found by search in
 * the old run's sequence; the same call in another run of the same code starts at the same
 * draw. A token not found is the caller's own (explicit) and carries over unchanged.
 * Verified against @workflow/core 4.8.9 (`dist/workflow.js`, `dist/workflow/hook.js`) and
 * nanoid 5.1.6; pinned by `test/upgrade-generated-tokens.test.ts`.
 */
const URL_ALPHABET = 'useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict';
const TOKEN_LENGTH = 21;
const DRAWS_PER_TOKEN = 34;
/** How far into a run's random sequence a generated token is looked for. */
export const MAX_TOKEN_DRAW = 20_000;

/** Where a generated token starts in its run's random sequence. */
export interface GeneratedToken {
  token: string;
  /** Index of the first of the token's 34 draws. */
  draw: number;
}

/** The tokens among `tokens` that `run` generated, with where each starts. */
export function findGeneratedTokens(run: RunSeed, tokens: Iterable<string>): GeneratedToken[] {
  const wanted = new Set([...tokens].filter(isTokenShaped));
  if (wanted.size === 0) return [];
  const characters = runRandomValues(run, MAX_TOKEN_DRAW + DRAWS_PER_TOKEN).map(
    (value) => URL_ALPHABET[Math.floor(256 * value) & 63]!,
  );
  const found: GeneratedToken[] = [];
  for (let draw = 0; draw <= MAX_TOKEN_DRAW && found.length < wanted.size; draw++) {
    const token = tokenAt(characters, draw);
    if (wanted.has(token) && !found.some((entry) => entry.token === token)) {
      found.push({ token, draw });
    }
  }
  return found;
}

/** The token `run` generates when a call starts at `draw` of its random sequence. */
export function generatedTokenAt(run: RunSeed, draw: number): string {
  const characters = runRandomValues(run, draw + DRAWS_PER_TOKEN)
    .slice(draw)
    .map((value) => URL_ALPHABET[Math.floor(256 * value) & 63]!);
  return tokenAt(characters, 0);
}

/**
 * Old token → the token `to` generates for the same call, for every token of `tokens` that
 * `from` generated. Explicit tokens are not in the map.
 */
export function mapGeneratedTokens(
  from: RunSeed,
  to: RunSeed,
  tokens: Iterable<string>,
): Map<string, string> {
  const mapped = new Map<string, string>();
  for (const { token, draw } of findGeneratedTokens(from, tokens)) {
    mapped.set(token, generatedTokenAt(to, draw));
  }
  return mapped;
}

function tokenAt(characters: string[], draw: number): string {
  let token = '';
  for (let index = DRAWS_PER_TOKEN - 1; token.length < TOKEN_LENGTH; index--) {
    token += characters[draw + index];
  }
  return token;
}

const isTokenShaped = (token: string) =>
  token.length === TOKEN_LENGTH && [...token].every((char) => URL_ALPHABET.includes(char));
