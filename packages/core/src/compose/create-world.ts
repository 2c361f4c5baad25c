import { SPEC_VERSION_CURRENT, type World } from '@workflow/world';
import { isWorldkitError } from '@worldkit/provider';
import { type AwilixContainer, asFunction, asValue, createContainer, InjectionMode } from 'awilix';
import type { z } from 'zod';
import { inProcessCompute } from '../compute/in-process.js';
import { resolveDeploymentId } from '../config/deployment-id.js';
import { toConfigProblems } from '../config/format-issues.js';
import {
  deliveryPolicySchema,
  recoverySettingsSchema,
  WORLD_CONFIG_ENV_VARS,
  type WorldConfig,
  worldConfigSchema,
} from '../config/world-config.js';
import type { ComputeInstance, ComputeProvider } from '../contracts/compute.js';
import type { ProviderContext } from '../contracts/provider.js';
import type { QueueInstance, QueueProvider, QueueTransport } from '../contracts/queue.js';
import type { StorageInstance, StorageProvider } from '../contracts/storage.js';
import type { StreamerInstance, StreamerProvider } from '../contracts/streamer.js';
import type { VersionStore, VersionsProvider } from '../contracts/versions.js';
import { ProviderCreateError, WorldkitConfigError } from '../errors.js';
import { createConsoleLogger } from '../logging/logger.js';
import { createCompositeQueue } from '../queue/composite-queue.js';
import { createReceiver } from '../queue/delivery-policy.js';
import { type PeriodicRecovery, startPeriodicRecovery } from '../recovery/periodic-recovery.js';
import { recoverActiveRuns } from '../recovery/recover-active-runs.js';
import { checkEventRequest } from '../storage/event-request-check.js';
import { checkedList } from '../storage/list-params-check.js';
import { upgradeLogOf } from '../upgrades/upgrade-log.js';
import { chooseVersionForNewRun } from '../versions/choose-version-for-new-run.js';
import { memoryVersions } from '../versions/memory-versions-provider.js';
import { type ClaimsContext, claimsOf } from './claim-store.js';
import { hooksWithTokenAliases } from './hooks-with-token-aliases.js';
import { negotiate } from './negotiate.js';
import { createOrphanGuard } from './orphan-guard.js';
import { asRetryableRunCreationFailure } from './run-creation-failure.js';
import { tracedCompute, tracedReceiver, traceWorld } from './traced-world.js';
import { createWorldTracer } from './tracing.js';

/** What Worldkit adds to a World, under one key so it never collides with the contract. */
export interface WorldkitHandle {
  deploymentId: string;
  versions: VersionStore;
  storage: StorageInstance;
  queue: QueueInstance;
  streamer: StreamerInstance;
  compute: ComputeInstance;
  providers: {
    storage: StorageProvider;
    queue: QueueProvider;
    streamer: StreamerProvider;
    versions: VersionsProvider;
    compute: ComputeProvider;
  };
  container: AwilixContainer<Cradle>;
}

export type ComposedWorld = World & {
  start(): Promise<void>;
  close(): Promise<void>;
  resolveLatestDeploymentId(): Promise<string>;
  worldkit: WorldkitHandle;
};

interface Cradle {
  context: ProviderContext;
  storage: StorageInstance;
  queue: QueueInstance;
  streamer: StreamerInstance;
  versions: VersionStore;
  compute: ComputeInstance;
}

/**
 * Composes a World from one provider per slot. Synchronous and free of I/O: providers
 * connect lazily or in `start()`. Throws `WorldkitConfigError`, `ProviderVersionError` or
 * `MissingCapabilityError` with one line per problem.
 */
export function createWorld(config: WorldConfig): ComposedWorld {
  const parsed = worldConfigSchema.safeParse(config);
  if (!parsed.success) {
    throw new WorldkitConfigError(toConfigProblems(parsed.error, config, WORLD_CONFIG_ENV_VARS));
  }
  // The option, else WORLDKIT_DEPLOYMENT_ID, else VERCEL_DEPLOYMENT_ID, else `local`.
  const deploymentId = resolveDeploymentId(config.deploymentId);
  const maxAttemptsFromEnv = process.env.WORLDKIT_MAX_DELIVERY_ATTEMPTS;
  const policy = parseSettings(
    deliveryPolicySchema,
    {
      maxAttempts: maxAttemptsFromEnv === '' ? undefined : maxAttemptsFromEnv,
      ...config.delivery,
    },
    'delivery',
    config.delivery?.maxAttempts === undefined && maxAttemptsFromEnv ? ['maxAttempts'] : [],
  );
  const recovery = parseSettings(recoverySettingsSchema, config.recovery ?? {}, 'recovery');

  const versionsProvider = config.versions ?? config.storage.versions ?? memoryVersions();
  const computeProvider = config.compute ?? inProcessCompute();
  const providers = {
    storage: config.storage,
    queue: config.queue,
    streamer: config.streamer,
    versions: versionsProvider,
    compute: computeProvider,
  };
  for (const provider of Object.values(providers)) negotiate(provider);

  const logger = config.logger ?? createConsoleLogger();
  if (!config.versions && !config.storage.versions) {
    logger.info('no version store configured; versions are kept in memory for this process');
  }

  const container = createContainer<Cradle>({ injectionMode: InjectionMode.PROXY, strict: true });
  container.register({
    context: asValue({
      deploymentId,
      logger,
      versions: () => container.cradle.versions,
      // The first slot whose backend keeps claims durably (see ClaimStore).
      claims: () =>
        claimsOf(container.cradle.versions) ??
        claimsOf(container.cradle.storage) ??
        claimsOf(container.cradle.queue) ??
        claimsOf(container.cradle.streamer),
    } satisfies ProviderContext & ClaimsContext),
    storage: asFunction(({ context }: Cradle) =>
      createInstance('storage', providers.storage, context),
    ).singleton(),
    queue: asFunction(({ context }: Cradle) =>
      createInstance('queue', providers.queue, context),
    ).singleton(),
    streamer: asFunction(({ context }: Cradle) =>
      createInstance('streamer', providers.streamer, context),
    ).singleton(),
    versions: asFunction(({ context }: Cradle) =>
      createInstance('versions', providers.versions, context),
    ).singleton(),
    compute: asFunction(({ context }: Cradle) =>
      createInstance('compute', providers.compute, context),
    ).singleton(),
  });
  const { storage, queue, streamer, versions } = container.cradle;
  // Spans for every World call and delivery when `@opentelemetry/api` is installed; otherwise
  // nothing is wrapped.
  const tracer = createWorldTracer();
  const tracedProviders = {
    storage: providers.storage.name,
    queue: providers.queue.name,
    streamer: providers.streamer.name,
    compute: providers.compute.name,
  };
  const compute = tracer
    ? tracedCompute(container.cradle.compute, tracer, tracedProviders)
    : container.cradle.compute;

  const queueMethods =
    queue.kind === 'native'
      ? { queue: queue.queue, createQueueHandler: queue.createQueueHandler }
      : createCompositeQueue({
          transport: queue,
          compute,
          deploymentId,
          maxDelaySeconds: providers.queue.capabilities.maxDelaySeconds,
        });

  let started: Promise<void> | undefined;
  let closed: Promise<void> | undefined;
  let periodicRecovery: PeriodicRecovery | undefined;

  const start = () => {
    started ??= (async () => {
      await storage.start?.();
      await versions.start?.();
      await streamer.start?.();
      await compute.start?.();
      await queue.start?.();
      if (queue.kind === 'transport') {
        const receiver = createReceiver({
          compute,
          policy,
          maxDelaySeconds: providers.queue.capabilities.maxDelaySeconds,
          logger,
        });
        await (queue as QueueTransport).consume(
          tracer ? tracedReceiver(receiver, tracer, tracedProviders) : receiver,
        );
        if (!providers.queue.capabilities.durable) {
          // A memory queue forgot its messages on restart; durable storage still knows the runs.
          await recoverActiveRuns(storage, queueMethods.queue, logger);
        }
        // A durable queue can still lose messages (Redis restarted empty, a purged queue):
        // runs that stop making progress are found and queued again.
        if (recovery.intervalMs !== false) {
          periodicRecovery = startPeriodicRecovery(
            world,
            { intervalMs: recovery.intervalMs, staleAfterMs: recovery.staleAfterMs },
            logger,
          );
        }
      }
    })();
    return started;
  };

  // Consumers stop first so no handler runs against a closed pool, then streams, then pools.
  const close = () => {
    closed ??= (async () => {
      await periodicRecovery?.stop();
      await queue.close?.();
      await compute.close?.();
      await streamer.close?.();
      await versions.close?.();
      await storage.close?.();
      await container.dispose();
    })();
    return closed;
  };

  const orphans = createOrphanGuard({ logger });
  // One typed answer to malformed input for every backend, before any of it is stored.
  const createEvent = orphans.watchCreate(((
    runId: string | null,
    data: unknown,
    params?: unknown,
  ) => {
    try {
      checkEventRequest(runId, data);
    } catch (error) {
      return Promise.reject(error);
    }
    const created = storage.events.create(runId as string, data as never, params as never);
    return (data as { eventType?: string }).eventType === 'run_created'
      ? created.catch(asRetryableRunCreationFailure)
      : created;
  }) as StorageInstance['events']['create']);

  const world: ComposedWorld = {
    specVersion: Math.min(SPEC_VERSION_CURRENT, providers.storage.capabilities.maxSpecVersion),
    getDeploymentId: async () => deploymentId,
    // The promoted version, or a ramped candidate for a share of new runs.
    resolveLatestDeploymentId: async () => (await chooseVersionForNewRun(versions)) ?? deploymentId,
    queue: orphans.watchQueue(queueMethods.queue, createEvent),
    createQueueHandler: queueMethods.createQueueHandler,
    // Pagination is checked once here, so every backend answers a malformed list alike.
    runs: {
      get: (runId, params) => storage.runs.get(runId, params as never),
      list: (params) => checkedList(params, () => storage.runs.list(params as never)),
    } as StorageInstance['runs'],
    steps: {
      get: (runId, stepId, params) => storage.steps.get(runId, stepId, params as never),
      list: (params) => checkedList(params, () => storage.steps.list(params as never)),
    } as StorageInstance['steps'],
    events: {
      create: createEvent,
      get: (runId, eventId, params) => storage.events.get(runId, eventId, params),
      list: (params) => checkedList(params, () => storage.events.list(params)),
      listByCorrelationId: (params) =>
        checkedList(params, () => storage.events.listByCorrelationId(params)),
    },
    hooks: hooksWithTokenAliases(storage.hooks, () => upgradeLogOf(world)),
    streamFlushIntervalMs: streamer.streamFlushIntervalMs,
    writeToStream: (name, runId, chunk) => streamer.writeToStream(name, runId, chunk),
    writeToStreamMulti: async (name, runId, chunks) => {
      if (streamer.writeToStreamMulti) return streamer.writeToStreamMulti(name, runId, chunks);
      for (const chunk of chunks) await streamer.writeToStream(name, runId, chunk);
    },
    closeStream: (name, runId) => streamer.closeStream(name, runId),
    readFromStream: (name, startIndex) => streamer.readFromStream(name, startIndex),
    listStreamsByRunId: (runId) => streamer.listStreamsByRunId(runId),
    getStreamChunks: (name, runId, options) => streamer.getStreamChunks(name, runId, options),
    getStreamInfo: (name, runId) => streamer.getStreamInfo(name, runId),
    start,
    close,
    worldkit: { deploymentId, versions, storage, queue, streamer, compute, providers, container },
  };
  if (tracer) traceWorld(world as never, tracer, tracedProviders, deploymentId);
  return world;
}

/**
 * Runs a provider's `create()`. A Worldkit error (a bad setting the provider checks there) is
 * already typed and names its package, so it passes through; anything else becomes a
 * `ProviderCreateError` naming the slot, the provider and its package, with the original as
 * `cause`.
 */
function createInstance<T>(
  slot: string,
  provider: { name: string; packageName: string; create(context: never): T },
  context: ProviderContext,
): T {
  try {
    return provider.create(context as never);
  } catch (error) {
    if (isWorldkitError(error)) throw error;
    throw new ProviderCreateError(slot, provider.name, provider.packageName, error);
  }
}

/**
 * A group of top-level settings with its defaults filled in. Values may come from the
 * environment (`WORLDKIT_MAX_DELIVERY_ATTEMPTS=abc`), so a bad one is reported like any config
 * mistake — key, expected shape, what it got, the variable — not as a raw validation error.
 */
function parseSettings<T>(
  schema: z.ZodType<T>,
  input: Record<string, unknown>,
  group: string,
  /** Keys of `input` whose value was read from their environment variable. */
  fromEnvKeys: string[] = [],
): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const envVars = Object.fromEntries(
    Object.entries(WORLD_CONFIG_ENV_VARS)
      .filter(([key]) => key.startsWith(`${group}.`))
      .map(([key, envVar]) => [key.slice(group.length + 1), envVar]),
  );
  const fromEnv = new Set(fromEnvKeys.map((key) => envVars[key]).filter(Boolean));
  throw new WorldkitConfigError(
    toConfigProblems(parsed.error, input, envVars, group).map((problem) =>
      // A bad value read from a variable names that variable rather than suggesting it.
      problem.envVar && fromEnv.has(problem.envVar)
        ? {
            key: problem.key,
            expected: problem.expected,
            received: problem.received,
            fromEnv: problem.envVar,
          }
        : problem,
    ),
  );
}
