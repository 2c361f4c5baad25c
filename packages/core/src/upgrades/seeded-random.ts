/**
 * The deterministic `Math.random` the workflow runtime installs in a run's sandbox: the ARC4
 * generator of the `seedrandom` package (3.x) seeded with `"<runId>:<workflowName>:<startedAt>"`.
 * Re-implemented (not imported) because @worldkit/core does not depend on the runtime; a test
 * checks it against `seedrandom` itself. Only what `seedrandom(seed)()` does is reproduced.
 */
const WIDTH = 256;
const MASK = WIDTH - 1;
const CHUNKS = 6;
const START_DENOMINATOR = WIDTH ** CHUNKS;
const SIGNIFICANCE = 2 ** 52;
const OVERFLOW = SIGNIFICANCE * 2;

export function seededRandom(seed: string): () => number {
  const key = mixKey(seed);
  const state = new Arc4(key);
  return () => {
    let numerator = state.next(CHUNKS);
    let denominator = START_DENOMINATOR;
    let extra = 0;
    while (numerator < SIGNIFICANCE) {
      numerator = (numerator + extra) * WIDTH;
      denominator *= WIDTH;
      extra = state.next(1);
    }
    while (numerator >= OVERFLOW) {
      numerator /= 2;
      denominator /= 2;
      extra >>>= 1;
    }
    return (numerator + extra) / denominator;
  };
}

function mixKey(seed: string): number[] {
  const key: number[] = [];
  let smear = 0;
  for (let index = 0; index < seed.length; index++) {
    const slot = MASK & index;
    // seedrandom reads unset slots as `undefined * 19` (NaN), which `^=` treats as 0.
    smear ^= (key[slot] ?? 0) * 19;
    key[slot] = MASK & (smear + seed.charCodeAt(index));
  }
  return key;
}

class Arc4 {
  private i = 0;
  private j = 0;
  private readonly s: number[] = [];

  constructor(key: number[]) {
    const keyLength = key.length || 1;
    const keyBytes = key.length ? key : [0];
    for (let index = 0; index < WIDTH; index++) this.s[index] = index;
    let j = 0;
    for (let index = 0; index < WIDTH; index++) {
      const t = this.s[index]!;
      j = MASK & (j + keyBytes[index % keyLength]! + t);
      this.s[index] = this.s[j]!;
      this.s[j] = t;
    }
    // RC4-drop[256], as seedrandom does.
    this.next(WIDTH);
  }

  next(count: number): number {
    let result = 0;
    let { i, j } = this;
    const s = this.s;
    for (let remaining = count; remaining > 0; remaining--) {
      i = MASK & (i + 1);
      const t = s[i]!;
      j = MASK & (j + t);
      s[i] = s[j]!;
      s[j] = t;
      result = result * WIDTH + s[MASK & (s[i]! + t)]!;
    }
    this.i = i;
    this.j = j;
    return result;
  }
}
