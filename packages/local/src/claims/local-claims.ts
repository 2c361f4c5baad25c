import { appendFile, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ClaimStore } from '@worldkit/core';

export const CLAIMS_FILE_NAME = 'claims.jsonl';

/** The file is rewritten with live claims only once it holds this many more lines than those. */
const COMPACT_AFTER_LINES = 10_000;

const REGISTRY = Symbol.for('@worldkit/local//claims');
type Holder = { [REGISTRY]?: Map<string, ClaimStore> };

/**
 * Claims of a data directory, kept in `<dataDir>/claims.jsonl` so they survive a restart. One
 * store per directory per process (every copy of the runtime in the process shares it). The
 * data directory belongs to one process at a time, so memory decides each claim and the file
 * only has to remember them: a claim resolves once its line is appended.
 */
export function localClaims(dataDir: string, now: () => number = Date.now): ClaimStore {
  const holder = globalThis as Holder;
  holder[REGISTRY] ??= new Map();
  const filePath = path.join(path.resolve(dataDir), CLAIMS_FILE_NAME);
  let store = holder[REGISTRY].get(filePath);
  if (!store) {
    store = createFileClaims(filePath, now);
    holder[REGISTRY].set(filePath, store);
  }
  return store;
}

/** Claims kept in `filePath` by this store alone (`localClaims` shares one per directory). */
export function createFileClaims(filePath: string, now: () => number = Date.now): ClaimStore {
  /** Unexpired claims: key → epoch ms of expiry. */
  const live = new Map<string, number>();
  let lines = 0;
  let loaded: Promise<void> | undefined;
  let writes: Promise<void> = Promise.resolve();

  const forgetExpired = () => {
    const at = now();
    for (const [key, until] of live) if (until <= at) live.delete(key);
  };

  const load = async () => {
    let text = '';
    try {
      text = await readFile(filePath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    for (const line of text.split('\n')) {
      if (!line) continue;
      lines += 1;
      try {
        const { k, e } = JSON.parse(line) as { k?: unknown; e?: unknown };
        if (typeof k === 'string' && typeof e === 'number') {
          live.set(k, Math.max(e, live.get(k) ?? 0));
        }
      } catch {
        // A line cut short by a crash: the claim it was writing had not been answered yet.
      }
    }
    forgetExpired();
  };

  /** Rewrites the file with the live claims only (to a new file, then renamed over it). */
  const compact = async () => {
    forgetExpired();
    const text = [...live].map(([k, e]) => `${JSON.stringify({ k, e })}\n`).join('');
    const temporary = `${filePath}.${process.pid}.tmp`;
    await writeFile(temporary, text);
    await rename(temporary, filePath);
    lines = live.size;
  };

  const enqueue = (write: () => Promise<void>) => {
    const done = writes.then(write);
    writes = done.catch(() => undefined);
    return done;
  };

  return {
    async claimOnce(key, expiresAtMs) {
      loaded ??= load().catch((error) => {
        loaded = undefined;
        throw error;
      });
      await loaded;
      const held = live.get(key);
      if (held !== undefined && held > now()) return false;
      live.set(key, expiresAtMs);
      try {
        await enqueue(() =>
          appendFile(filePath, `${JSON.stringify({ k: key, e: expiresAtMs })}\n`),
        );
      } catch (error) {
        if (live.get(key) === expiresAtMs) live.delete(key);
        throw error;
      }
      lines += 1;
      if (lines > live.size + COMPACT_AFTER_LINES) {
        // Best effort: a failed rewrite leaves the longer file, which still loads the same.
        await enqueue(compact).catch(() => undefined);
      }
      return true;
    },
  };
}
