/**
 * One open instance per (part, data directory) per process. The runtime composes the World
 * several times in one process (each bundle has its own copy of the runtime), and every copy
 * must see the same runs and messages, so parts are shared and reference-counted.
 */
const REGISTRY = Symbol.for('@worldkit/local//open-instances');
interface Entry {
  value: unknown;
  users: number;
  dispose: () => Promise<void>;
}
type Holder = { [REGISTRY]?: Map<string, Entry> };

function entries(): Map<string, Entry> {
  const holder = globalThis as Holder;
  holder[REGISTRY] ??= new Map();
  return holder[REGISTRY];
}

/**
 * Returns the shared instance for `key`, creating it on first use. The returned `release`
 * disposes the instance when its last user lets go. Keys without a data directory (memory
 * mode) should be unique per call so tests stay isolated.
 */
export function acquireShared<T>(
  key: string,
  create: () => { value: T; dispose: () => Promise<void> },
): { value: T; release: () => Promise<void> } {
  let entry = entries().get(key);
  if (!entry) {
    const created = create();
    entry = { value: created.value, users: 0, dispose: created.dispose };
    entries().set(key, entry);
  }
  entry.users++;
  const owned = entry;
  let released = false;
  return {
    value: owned.value as T,
    release: async () => {
      if (released) return;
      released = true;
      owned.users--;
      if (owned.users === 0 && entries().get(key) === owned) {
        entries().delete(key);
        await owned.dispose();
      }
    },
  };
}
