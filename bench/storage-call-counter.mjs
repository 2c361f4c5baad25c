/**
 * Counts calls to the World's storage methods (runs.*, steps.*, events.*, hooks.*), by
 * method, so Worlds can be compared by how many storage operations one workflow step costs.
 *
 * A call is one request to the storage layer as the runtime sees it; what it costs inside
 * (one SQL statement, a transaction of several, a file write) differs per World and is
 * what runs/s and latency measure. Wrapping is identical for every World: each namespace is
 * replaced by a copy whose functions count and forward.
 */
const NAMESPACES = ['runs', 'steps', 'events', 'hooks'];

export function countStorageCalls(world) {
  const counts = new Map();
  for (const namespace of NAMESPACES) {
    const original = world[namespace];
    if (!original) continue;
    const counted = {};
    for (const key of methodNames(original)) {
      const method = original[key];
      const name = `${namespace}.${key}`;
      counted[key] = (...args) => {
        counts.set(name, (counts.get(name) ?? 0) + 1);
        return method.apply(original, args);
      };
    }
    world[namespace] = counted;
  }
  return {
    /** Forgets what was counted so far (e.g. the warm-up). */
    reset() {
      counts.clear();
    },
    /** `{ total, byMethod }`, methods sorted by count. */
    snapshot() {
      const byMethod = Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]));
      const total = [...counts.values()].reduce((sum, count) => sum + count, 0);
      return { total, byMethod };
    },
  };
}

/** Own and prototype function names (some Worlds build namespaces as class instances). */
function methodNames(target) {
  const names = new Set();
  for (let object = target; object && object !== Object.prototype; ) {
    for (const key of Object.getOwnPropertyNames(object)) {
      if (key !== 'constructor' && typeof target[key] === 'function') names.add(key);
    }
    object = Object.getPrototypeOf(object);
  }
  return names;
}
