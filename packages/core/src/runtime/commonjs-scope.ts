import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * The bundles `wf build` writes are CommonJS `.js` files. Inside a `"type": "module"` package
 * Node reads them as ES modules: depending on the Node version that throws or, worse, yields
 * a module without exports, so no handler is ever registered. Refuse that up front.
 */
export function assertCommonJsScope(directory: string): void {
  let current = directory;
  // Node stops looking for a package scope at node_modules and at the filesystem root.
  while (basename(current) !== 'node_modules') {
    const packageJson = join(current, 'package.json');
    if (existsSync(packageJson)) {
      const { type } = JSON.parse(readFileSync(packageJson, 'utf8')) as { type?: string };
      if (type === 'module') {
        throw new Error(
          `The workflow bundles in ${directory} are CommonJS, but ${packageJson} declares ` +
            '"type": "module". Build the workflows in a folder whose package.json has no "type": "module".',
        );
      }
      return;
    }
    const parent = dirname(current);
    if (parent === current) return;
    current = parent;
  }
}
