import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { NextConfig } from 'next';
import { withWorkflow } from 'workflow/next';

/**
 * Worldkit packages kept out of the server bundle when the app depends on them. Node loads
 * them from node_modules at run time and Next's file tracing copies them (and everything they
 * import: pg, the AWS SDK, ioredis, …) into `.next/standalone`. Two reasons:
 *
 * - **One copy per process.** Core keeps process-wide state (handler registry, delivery scope,
 *   registration scope) that instrumentation.ts and every route must share; a bundler would
 *   give each server chunk its own copy.
 * - **Code the bundler should not rewrite.** Providers read files next to their own module
 *   and load optional native clients; Node's resolution is what they were written for.
 */
export const WORLDKIT_SERVER_PACKAGES = [
  '@worldkit/core',
  '@worldkit/next',
  '@worldkit/local',
  '@worldkit/postgres',
  '@worldkit/dynamodb',
  '@worldkit/sqs',
  '@worldkit/redis',
  '@worldkit/http',
] as const;

/** The instrumentation files Next.js loads, in its lookup order. */
const INSTRUMENTATION_FILES = [
  'instrumentation.ts',
  'instrumentation.js',
  'instrumentation.mjs',
  'src/instrumentation.ts',
  'src/instrumentation.js',
  'src/instrumentation.mjs',
];

type NextConfigFactory = (
  phase: string,
  context: { defaultConfig: NextConfig },
) => NextConfig | Promise<NextConfig>;

type WorkflowOptions = NonNullable<Parameters<typeof withWorkflow>[1]>;

export interface WithWorldkitOptions {
  /** Passed to `withWorkflow` as its `workflows` option (e.g. `{ local: { port } }`). */
  workflows?: WorkflowOptions['workflows'];
  /** More packages to keep external (loaded by Node from node_modules, traced into the output). */
  serverExternalPackages?: string[];
  /** The app's directory (default: the working directory, which is where `next` runs). */
  projectDir?: string;
  /** Where warnings go (default `console.warn`). */
  warn?: (message: string) => void;
}

/**
 * Wraps `withWorkflow` from `workflow/next` with what a Worldkit World needs to survive
 * `next dev`, `next build` (Turbopack or webpack) and a standalone or traced deployment:
 *
 * - the `@worldkit/*` packages the app depends on become `serverExternalPackages`, so they
 *   are traced into the output instead of bundled (see {@link WORLDKIT_SERVER_PACKAGES});
 * - a warning when no `instrumentation.ts` registers the World: without it the runtime falls
 *   back to `WORKFLOW_TARGET_WORLD`, which a traced deployment cannot resolve.
 *
 * The World itself is composed at run time by `registerWorldkit()` from
 * `@worldkit/next/register`, called in `instrumentation.ts` with the app's `world.config.ts`
 * imported statically — so the bundler sees the config and the tracer sees every provider it
 * imports.
 */
export function withWorldkit(
  nextConfig: NextConfig | NextConfigFactory = {},
  options: WithWorldkitOptions = {},
): (phase: string, context: { defaultConfig: NextConfig }) => Promise<NextConfig> {
  return async (phase, context) => {
    const base = typeof nextConfig === 'function' ? await nextConfig(phase, context) : nextConfig;
    const projectDir = options.projectDir ?? process.cwd();
    const warn = options.warn ?? ((message: string) => console.warn(message));
    if (phase === 'phase-development-server' || phase === 'phase-production-build') {
      const problem = instrumentationProblem(projectDir);
      if (problem) warn(problem);
    }
    const wanted = [...WORLDKIT_SERVER_PACKAGES, ...(options.serverExternalPackages ?? [])];
    const config: NextConfig = {
      ...base,
      serverExternalPackages: unique([
        ...(base.serverExternalPackages ?? []),
        ...installedPackages(projectDir, wanted),
      ]),
    };
    return withWorkflow(config, { workflows: options.workflows })(phase, context);
  };
}

/**
 * The packages of `names` installed where Node looks for them from the app's directory
 * (`node_modules/<name>` there or in a parent): the ones Next.js can keep external.
 */
export function installedPackages(projectDir: string, names: readonly string[]): string[] {
  return names.filter((name) => {
    for (let dir = resolve(projectDir); ; dir = dirname(dir)) {
      if (existsSync(join(dir, 'node_modules', name, 'package.json'))) return true;
      if (dirname(dir) === dir) return false;
    }
  });
}

/** Why the app's World would not be registered at run time, or `undefined` when it is. */
export function instrumentationProblem(projectDir: string): string | undefined {
  const file = INSTRUMENTATION_FILES.map((name) => join(projectDir, name)).find((path) =>
    existsSync(path),
  );
  if (!file) {
    return `[@worldkit/next] no instrumentation.ts in ${projectDir}: add one whose register() calls registerWorldkit() from '@worldkit/next/register' with your world.config.ts (see the @worldkit/next README); otherwise workflow routes use WORKFLOW_TARGET_WORLD, which a standalone or traced deployment cannot resolve.`;
  }
  if (!readFileSync(file, 'utf8').includes('registerWorldkit')) {
    return `[@worldkit/next] ${file} does not call registerWorldkit() from '@worldkit/next/register'; workflow routes will not use your world.config.ts.`;
  }
  return undefined;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
