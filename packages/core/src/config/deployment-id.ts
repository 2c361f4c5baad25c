import { WorldkitConfigError } from '../errors.js';
import { toConfigProblems } from './format-issues.js';
import { DEFAULT_DEPLOYMENT_ID, DEPLOYMENT_ID_ENV, worldConfigSchema } from './world-config.js';

/** Set by Vercel in every build and function: one id per deployment, e.g. `dpl_…`. */
export const VERCEL_DEPLOYMENT_ID_ENV = 'VERCEL_DEPLOYMENT_ID';

/** Where the deployment id comes from when the `deploymentId` option is not given, in order. */
export const DEPLOYMENT_ID_ENV_VARS = [DEPLOYMENT_ID_ENV, VERCEL_DEPLOYMENT_ID_ENV] as const;

/**
 * The version id of the code in this process: the explicit `deploymentId` option, else
 * `WORLDKIT_DEPLOYMENT_ID`, else `VERCEL_DEPLOYMENT_ID` (so each Vercel deployment is its own
 * version with no setting), else `local`. Empty variables count as unset. A bad value throws
 * `WorldkitConfigError` naming the variable that held it.
 */
export function resolveDeploymentId(
  explicit: string | undefined,
  env: Record<string, string | undefined> = process.env,
): string {
  const fromEnv = DEPLOYMENT_ID_ENV_VARS.map((name) => ({ name, value: env[name] })).find(
    (entry) => entry.value !== undefined && entry.value !== '',
  );
  const candidate = explicit ?? fromEnv?.value ?? DEFAULT_DEPLOYMENT_ID;
  const parsed = worldConfigSchema.shape.deploymentId.safeParse(candidate);
  if (parsed.success) return parsed.data ?? DEFAULT_DEPLOYMENT_ID;
  // The variable that held the bad value, if it came from the environment.
  const source = explicit === undefined ? fromEnv?.name : undefined;
  throw new WorldkitConfigError(
    toConfigProblems(parsed.error, candidate, {}, 'deploymentId').map((problem) => ({
      ...problem,
      // From the option: WORLDKIT_DEPLOYMENT_ID can supply it instead. From a variable: name that
      // variable; from VERCEL_DEPLOYMENT_ID, also that WORLDKIT_DEPLOYMENT_ID overrides it.
      ...(source === undefined ? { envVar: DEPLOYMENT_ID_ENV } : { fromEnv: source }),
      ...(source === VERCEL_DEPLOYMENT_ID_ENV ? { envVar: DEPLOYMENT_ID_ENV } : {}),
    })),
  );
}
