import {
  type ComputeCapabilities,
  type ComputeInstance,
  type ComputeProvider,
  type ProviderContext,
  type RuntimeQueueHandler,
  registerHandler,
  SPECIFICATION_VERSION,
} from '@worldkit/core';
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
  const replays = new ReplayCache(settings.replayCacheSize);
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
        replays,
        servesVersion: (deploymentId) =>
          (versionsOfHandler.get(handler) ?? new Set([context.deploymentId])).has(deploymentId),
        logger: context.logger,
      }),

    async close() {
      replays.clear();
    },
  };
}
