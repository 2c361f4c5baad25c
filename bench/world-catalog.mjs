/**
 * Every World the benchmark knows, collected from the files in bench/worlds/. Each file
 * exports `benchWorlds`, an array of:
 *
 *   {
 *     name: 'worldkit-postgres',          // the --worlds name and the table row
 *     needs: ['postgres'],                // services from services.mjs, started by run.mjs
 *     scalesOut: true,                    // optional: measured with 1 and 2 processes
 *                                         // (scale-out.mjs); only Worlds whose queue and
 *                                         // storage several processes can share
 *     lingerAfterCloseMs: 21_000,         // optional: how long a process that closed the
 *                                         // World stays up before exiting (long polls)
 *     open({ dataDir, services }) → { world, description, afterLoad(code), close?(),
 *                                     storageBytes?() }
 *   }
 *
 * `services` holds what services.mjs `isolate()` returned for this worker run, by service
 * name. `afterLoad(code)` runs after the workflow bundles are loaded (e.g. to register
 * handlers); `close()` releases anything `open` started besides the World. `storageBytes()`
 * resolves with the bytes the World's storage holds now (storage-size.mjs), for "bytes stored
 * per step"; a World without it (memory only) reports n/a.
 * Adding a World = adding a file (or an entry) there.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const WORLDS_DIRECTORY = join(import.meta.dirname, 'worlds');

export async function loadWorldCatalog() {
  const files = (await readdir(WORLDS_DIRECTORY)).filter((file) => file.endsWith('.mjs')).sort();
  const catalog = new Map();
  for (const file of files) {
    const module = await import(pathToFileURL(join(WORLDS_DIRECTORY, file)).href);
    for (const definition of module.benchWorlds ?? []) {
      if (catalog.has(definition.name)) {
        throw new Error(`bench world ${definition.name} is defined twice (worlds/${file})`);
      }
      catalog.set(definition.name, { needs: [], ...definition, file });
    }
  }
  return catalog;
}
