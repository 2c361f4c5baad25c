import {
  type ClaimStore,
  type ComputeCapabilities,
  type ComputeInstance,
  type ComputeProvider,
  claimStoreOf,
  type ProviderContext,
  type RuntimeQueueHandler,
  SPECIFICATION_VERSION,
} from '@worldkit/core';
import { registerHandler } from '@worldkit/core/internal';
import { DeliveryFailureLog } from './delivery-failure-log.js';
import { dispatchDelivery, type VersionEndpointSettings } from './dispatch-delivery.js';
import { receiveDelivery } from './receive-delivery.js';
import { ReplayCache } from './replay-cache.js';
import { requestReplay } from './request-replay.js';
import {
  type HttpComputeSettings,
  PACKAGE_NAME,
  type ResolvedHttpComputeSettings,
  resolveHttpComputeSettings,
} from './settings.js';

export interface HttpComputeCapabilities extends ComputeCapabilities {
  multiVersion: true;
  /** Deliveries carry an HMAC signature and the receiving side refuses unsigned ones. */
  signed: true;
}

export type HttpComputeProvider = ComputeProvider & { capabilities: HttpComputeCapabilities };

/**
 * Compute that delivers each queued message over HTTP to the app of the message's version,
 * at the address its version record holds, signed with a shared secret. The same provider
 * runs on both sides: the dispatcher (the process consuming the queue) calls `deliver`, and
 * each version's app answers `/.well-known/workflow/v1/{flow,step}` through `handleRequest`.
 * Settings are validated here, when the config loads.
 */
export function httpCompute(settings: HttpComputeSettings = {}): HttpComputeProvider {
  const resolved = resolveHttpComputeSettings(settings);
  return {
    slot: 'compute',
    specificationVersion: SPECIFICATION_VERSION,
    name: 'http',
    packageName: PACKAGE_NAME,
    capabilities: { multiVersion: true, signed: true },
    create: (context) => createHttpCompute(resolved, context),
  };
}

function createHttpCompute(
  settings: ResolvedHttpComputeSettings,
  context: ProviderContext,
): ComputeInstance {
  const memory = new ReplayCache(settings.replayCacheSize);
  // Chosen on the first delivery, not at create(): the World's slots may be created in any order.
  let replays: ClaimStore | undefined;
  const replayStore = (): ClaimStore => {
    replays ??= chooseReplayStore(settings, context, memory);
    return replays;
  };
  // Which versions' code registered each handler, so an app refuses deliveries for a
  // version it does not run (a wrong address in the version store) instead of running them.
  const versionsOfHandler = new WeakMap<RuntimeQueueHandler, Set<string>>();
  const failureLog = new DeliveryFailureLog({ logger: context.logger });
  const endpoints: VersionEndpointSettings = {
    signingSecret: settings.signingSecret,
    requestTimeoutMs: settings.requestTimeoutMs,
    fetch: settings.fetch,
    versions: () => context.versions(),
  };

  return {
    register(deploymentId, prefix, handler) {
      const owners = versionsOfHandler.get(handler) ?? new Set<string>();
      owners.add(deploymentId);
      versionsOfHandler.set(handler, owners);
      // Kept in the process-wide registry as well, so `loadedDeployments()` (drain reports,
      // queue consumers that filter by loaded code) still sees the code of this process.
      registerHandler(deploymentId, prefix, handler);
    },

    deliver: (envelope) => dispatchDelivery(envelope, { ...endpoints, failureLog }),

    replay: (versionId, request) => requestReplay(versionId, request, endpoints),

    handleRequest: (prefix, handler, request) =>
      receiveDelivery(request, {
        prefix,
        handler,
        acceptedSecrets: settings.acceptedSecrets,
        toleranceSeconds: settings.toleranceSeconds,
        maxBodyBytes: settings.maxBodyBytes,
        replays: replayStore(),
        servesVersion: (deploymentId) =>
          (versionsOfHandler.get(handler) ?? new Set([context.deploymentId])).has(deploymentId),
        logger: context.logger,
      }),

    async close() {
      memory.clear();
    },
  };
}

/**
 * The `replayCache` setting, else the World's durable claim store, else memory with one
 * warning: memory protects this process only, so a delivery captured on the network could be
 * replayed to another instance, or to this one after a restart, within the tolerance window.
 */
function chooseReplayStore(
  settings: ResolvedHttpComputeSettings,
  context: ProviderContext,
  memory: ReplayCache,
): ClaimStore {
  if (settings.replayCache === 'memory') return memory;
  if (settings.replayCache) return settings.replayCache;
  const durable = claimStoreOf(context);
  if (durable) return durable;
  context.logger.warn(
    'replay protection is per process: the World has no durable claim store (PostgreSQL, DynamoDB or Redis), so a captured delivery could be replayed to another app instance or after a restart within the tolerance window',
    { fallback: 'memory', silence: "httpCompute({ replayCache: 'memory' })" },
  );
  return memory;
}
