/**
 * `@workflow/core` keeps registered step functions in a process-wide Map under this symbol, keyed
 * by stepId. Every bundle copies the Map reference when it loads (`globalThis[key] ??= new Map()`)
 * and looks steps up in its own copy afterwards. StepIds do not change between builds of the same
 * source file, so two versions of one workflow loaded into one process would share the Map and
 * the version loaded last would run every version's steps. Loading each version with the key
 * cleared gives its bundles a Map of their own. Verified against @workflow/core 4.8.9
 * `dist/private.js`.
 *
 * The class-serialization registry (`Symbol.for('workflow-class-registry')`) is different: it is
 * looked up on every use, not captured at load, so it cannot be split per version this way;
 * serializable classes with the same classId in two loaded versions resolve to the last loaded.
 */
const REGISTERED_STEPS = Symbol.for('@workflow/core//registeredSteps');

type StepRegistryHolder = { [REGISTERED_STEPS]?: unknown };

/** Runs `load` so that the bundles it requires register their steps in a fresh Map. */
export function withIsolatedStepRegistry<T>(load: () => T): T {
  const holder = globalThis as StepRegistryHolder;
  const hadPrevious = REGISTERED_STEPS in holder;
  const previous = holder[REGISTERED_STEPS];
  delete holder[REGISTERED_STEPS];
  try {
    return load();
  } finally {
    // Put back whatever other runtime copies (e.g. the host's own `workflow/api`) captured.
    // When nothing had registered yet, the first version's Map stays global, so a runtime copy
    // loaded later (the host importing `workflow/api` after the bundles) finds its steps.
    if (hadPrevious) holder[REGISTERED_STEPS] = previous;
  }
}
