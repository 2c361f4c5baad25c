import {
  beforeEach,
  describe,
  type TestContext,
  type TestFunction,
  type TestOptions,
  it as vitestIt,
} from 'vitest';

/**
 * Test titles mapped to why the provider under test is known to fail them. A listed test runs as
 * `it.fails` under a name that carries the reason, so the gap shows in every report and the
 * suite flags the day the provider is fixed (the test then "unexpectedly passes"). A title that
 * names no test of the suite fails the suite's `known gaps` check, so a typo hides nothing.
 */
export type KnownGaps = Readonly<Record<string, string>>;

/**
 * The one option shape every suite takes.
 *
 * `create` returns what the suite checks — a provider (storage, queue, streamer, versions) or,
 * for the whole-World suite, a World. What the provider can do is read from the `capabilities`
 * it declares, never declared a second time here: a group that needs a capability the provider
 * does not declare is skipped with the capability and its meaning as the reason.
 */
export interface ConformanceOptions<T> {
  /** Shown in the suite's name, e.g. `local (memory)` or `sqs`. */
  name: string;
  /**
   * Returns what the suite checks. Suites that need a fresh instance call it once per test
   * (tests may run concurrently, each on its own instance); called only while tests run, so it
   * may use servers started in `beforeAll`.
   */
  create: () => T | Promise<T>;
  /** Tests (by exact title) known to fail, each with the reason. Prefer fixing the provider. */
  knownGaps?: KnownGaps;
  /** Per-test timeout in milliseconds, for slow remote backends. */
  timeoutMs?: number;
}

interface Registration {
  gaps: KnownGaps;
  used: Set<string>;
}

/**
 * The suite whose groups are being collected. vitest collects a suite's nested groups depth
 * first, right after its own body and before the next top-level suite, so this stays right
 * until the next suite's body replaces it.
 */
let registering: Registration | undefined;

/**
 * Registers a suite's groups with its known gaps in force, then a check that every known gap
 * names one of the suite's tests. Call inside the suite's top-level `describe` body.
 */
export function registerGroups(knownGaps: KnownGaps | undefined, groups: () => void): void {
  const registration: Registration = { gaps: knownGaps ?? {}, used: new Set() };
  registering = registration;
  groups();
  if (Object.keys(registration.gaps).length === 0) return;
  describe('known gaps', () => {
    vitestIt('every known gap names a test of this suite', ({ expect }) => {
      const unknown = Object.keys(registration.gaps).filter(
        (title) => !registration.used.has(title),
      );
      expect(
        unknown,
        'knownGaps keys must be exact test titles of this suite; these match no test (renamed or misspelled?)',
      ).toEqual([]);
    });
  });
}

/** `it` for the suites' groups: a test listed in the suite's `knownGaps` runs as an expected failure. */
export function test(title: string, body: TestFunction): void;
export function test(title: string, options: TestOptions, body: TestFunction): void;
export function test(
  title: string,
  optionsOrBody: TestOptions | TestFunction,
  body?: TestFunction,
): void {
  const registration = registering;
  const gap = registration?.gaps[title];
  const register = gap === undefined ? vitestIt : vitestIt.fails;
  const name = gap === undefined ? title : `${title} (known gap: ${gap})`;
  if (gap !== undefined) registration?.used.add(title);
  if (body) register(name, optionsOrBody as TestOptions, body);
  else register(name, optionsOrBody as TestFunction);
}

export { test as it };

/**
 * Inside a group: skips each of its tests, with `reason` shown next to the test, when
 * `supported()` (read from what the provider declares, while the test runs) is false.
 * Groups that need a capability carry `(needs <capability>)` in their name.
 */
export function skipUnlessCapable(
  capability: string,
  supported: () => boolean | Promise<boolean>,
  meaning: string,
): void {
  beforeEach(async (context: TestContext) => {
    if (!(await supported())) {
      context.skip(`skipped: ${capability} not supported — ${meaning}`);
    }
  });
}

/** Calls `create` once, when a test first needs it, and keeps the answer. */
export function once<T>(create: () => T | Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    value ??= Promise.resolve().then(create);
    return value;
  };
}
