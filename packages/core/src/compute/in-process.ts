import { parseQueueName, type ValidQueueName } from '@workflow/world';
import { defineComputeProvider } from '@worldkit/provider';
import type { ComputeInstance, ComputeProvider, HandlerResult } from '../contracts/compute.js';
import { withDeliveryScope, withRecoveryScope } from './delivery-scope.js';
import { findHandler, loadedDeployments, registerHandler } from './handler-registry.js';

const inProcessComputeProvider = defineComputeProvider({
  name: 'in-process',
  packageName: '@worldkit/core',
  capabilities: { multiVersion: true },
  create: (): ComputeInstance => ({
    register: registerHandler,
    async deliver(envelope, message): Promise<HandlerResult> {
      const { prefix } = parseQueueName(envelope.queueName as ValidQueueName);
      const handler = findHandler(envelope.deploymentId, prefix);
      if (!handler) {
        return {
          type: 'no-handler',
          reason: `no code for version "${envelope.deploymentId}" (${prefix}) is loaded in this process; loaded: ${loadedDeployments().join(', ') || 'none'}`,
        };
      }
      try {
        const result = await withRecoveryScope(envelope.idempotencyKey, () =>
          withDeliveryScope(envelope.deploymentId, () =>
            handler(message, {
              attempt: envelope.attempt,
              queueName: envelope.queueName,
              messageId: envelope.messageId,
            }),
          ),
        );
        if (result && typeof result.timeoutSeconds === 'number') {
          return { type: 'timeout', timeoutSeconds: Math.max(0, result.timeoutSeconds) };
        }
        return { type: 'done' };
      } catch (error) {
        return { type: 'failed', error: error instanceof Error ? error.message : String(error) };
      }
    },
  }),
});

/**
 * Delivers each message to the handlers that the code of its version registered in this
 * process. A message for a version that is not loaded here is retried later (another
 * process may host it) and dead-lettered by the delivery policy if nobody ever does.
 */
export function inProcessCompute(): ComputeProvider {
  return inProcessComputeProvider();
}
