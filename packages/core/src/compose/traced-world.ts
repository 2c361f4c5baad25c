import type { ComputeInstance } from '../contracts/compute.js';
import type { DeliveryOutcome, QueueReceiver } from '../contracts/queue.js';
import {
  SPAN_ATTRIBUTES as A,
  type SpanAttributes,
  type TracedKind,
  type WorldTracer,
} from './tracing.js';

/** The parts of a composed World the runtime calls, as `createWorld` builds them. */
interface TracedParts {
  runs: Record<string, unknown>;
  steps: Record<string, unknown>;
  events: Record<string, unknown>;
  hooks: Record<string, unknown>;
  queue: unknown;
  start: unknown;
  [streamerMethod: string]: unknown;
}

export interface TracedProviders {
  storage: string;
  queue: string;
  streamer: string;
  compute: string;
}

type AnyFunction = (...args: unknown[]) => Promise<unknown>;
type ArgumentAttributes = (args: unknown[]) => SpanAttributes;

const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
const field = (value: unknown, key: string) =>
  value && typeof value === 'object' ? text((value as Record<string, unknown>)[key]) : undefined;

/** Per method: its span kind and what its arguments say (never a hook token: it is a credential). */
const STORAGE: Record<string, Record<string, ArgumentAttributes>> = {
  runs: {
    get: ([runId]) => ({ [A.runId]: text(runId) }),
    list: ([params]) => ({ 'worldkit.workflow_name': field(params, 'workflowName') }),
  },
  steps: {
    get: ([runId, stepId]) => ({ [A.runId]: text(runId), [A.stepId]: text(stepId) }),
    list: ([params]) => ({ [A.runId]: field(params, 'runId') }),
  },
  events: {
    create: ([runId, data]) => ({
      [A.runId]: text(runId),
      [A.eventType]: field(data, 'eventType'),
    }),
    get: ([runId]) => ({ [A.runId]: text(runId) }),
    list: ([params]) => ({ [A.runId]: field(params, 'runId') }),
    listByCorrelationId: () => ({}),
  },
  hooks: {
    get: ([hookId]) => ({ [A.hookId]: text(hookId) }),
    getByToken: () => ({}),
    list: ([params]) => ({ [A.runId]: field(params, 'runId') }),
  },
};

const STREAMER: Record<string, ArgumentAttributes> = {
  writeToStream: ([name, runId]) => ({ [A.streamName]: text(name), [A.runId]: text(runId) }),
  writeToStreamMulti: ([name, runId, chunks]) => ({
    [A.streamName]: text(name),
    [A.runId]: text(runId),
    'worldkit.stream_chunks': Array.isArray(chunks) ? chunks.length : undefined,
  }),
  closeStream: ([name, runId]) => ({ [A.streamName]: text(name), [A.runId]: text(runId) }),
  readFromStream: ([name]) => ({ [A.streamName]: text(name) }),
  listStreamsByRunId: ([runId]) => ({ [A.runId]: text(runId) }),
  getStreamChunks: ([name, runId]) => ({ [A.streamName]: text(name), [A.runId]: text(runId) }),
  getStreamInfo: ([name, runId]) => ({ [A.streamName]: text(name), [A.runId]: text(runId) }),
};

/**
 * Wraps, in place, every World method the runtime calls in a span named
 * `worldkit.<slot>.<method>` (`worldkit.storage.events.create`, `worldkit.queue.queue`,
 * `worldkit.streamer.writeToStream`, `worldkit.start`). Spans are active while the call runs,
 * so a provider's own instrumentation (pg, the AWS SDK) nests beneath them.
 */
export function traceWorld(
  world: TracedParts,
  tracer: WorldTracer,
  providers: TracedProviders,
  deploymentId: string,
): void {
  const wrap = (
    slot: string,
    method: string,
    kind: TracedKind,
    original: AnyFunction,
    describe: ArgumentAttributes,
    fromResult?: (result: unknown) => SpanAttributes | undefined,
  ): AnyFunction => {
    const provider = providers[slot as keyof TracedProviders];
    return (...args) =>
      tracer.run(
        {
          name: `worldkit.${slot === 'world' ? '' : `${slot}.`}${method}`,
          kind,
          attributes: {
            [A.slot]: slot === 'world' ? undefined : slot,
            [A.provider]: provider,
            [A.method]: method,
            [A.deploymentId]: deploymentId,
            ...describe(args),
          },
          fromResult,
        },
        () => original(...args),
      );
  };

  for (const [group, methods] of Object.entries(STORAGE)) {
    const target = world[group as 'runs'];
    for (const [method, describe] of Object.entries(methods)) {
      const original = target[method];
      if (typeof original !== 'function') continue;
      target[method] = wrap(
        'storage',
        `${group}.${method}`,
        'client',
        original as AnyFunction,
        describe,
        group === 'events' && method === 'create'
          ? (result) => ({ [A.runId]: field(field0(result, 'run'), 'runId') })
          : undefined,
      );
    }
  }

  world.queue = wrap(
    'queue',
    'queue',
    'producer',
    world.queue as AnyFunction,
    ([queueName, message]) => ({
      [A.queueName]: text(queueName),
      ...payloadAttributes(message),
    }),
    (result) => ({ [A.messageId]: field(result, 'messageId') }),
  );

  for (const [method, describe] of Object.entries(STREAMER)) {
    const original = world[method];
    if (typeof original !== 'function') continue;
    world[method] = wrap('streamer', method, 'client', original as AnyFunction, describe);
  }

  world.start = wrap('world', 'start', 'internal', world.start as AnyFunction, () => ({}));
}

/** The receiver with one consumer span per delivery a transport hands it. */
export function tracedReceiver(
  receiver: QueueReceiver,
  tracer: WorldTracer,
  providers: TracedProviders,
): QueueReceiver {
  return (raw) =>
    tracer.run<DeliveryOutcome>(
      {
        name: 'worldkit.delivery',
        kind: 'consumer',
        attributes: {
          [A.slot]: 'queue',
          [A.provider]: providers.queue,
          [A.method]: 'deliver',
          [A.queueName]: field(raw, 'queueName'),
          [A.messageId]: field(raw, 'messageId'),
          [A.deploymentId]: field(raw, 'deploymentId'),
          [A.attempt]: numberField(raw, 'attempt'),
        },
        fromResult: (outcome) => ({ [A.outcome]: outcome.type }),
        failureOf: (outcome) => (outcome.type === 'dead-letter' ? outcome.reason : undefined),
      },
      () => receiver(raw),
    );
}

/**
 * Compute whose `deliver` records a `worldkit.compute.deliver` span (a child of the delivery's
 * span) with the handler's result; a failed handler or missing code marks it as an error.
 */
export function tracedCompute(
  compute: ComputeInstance,
  tracer: WorldTracer,
  providers: TracedProviders,
): ComputeInstance {
  return new Proxy(compute, {
    get(target, property, receiver) {
      if (property === 'handleRequest' && target.handleRequest) {
        return tracedHandleRequest(target, tracer, providers);
      }
      if (property !== 'deliver') return Reflect.get(target, property, receiver);
      const deliver: ComputeInstance['deliver'] = (envelope, message) =>
        tracer.run(
          {
            name: 'worldkit.compute.deliver',
            kind: 'client',
            attributes: {
              [A.slot]: 'compute',
              [A.provider]: providers.compute,
              [A.method]: 'deliver',
              [A.queueName]: envelope.queueName,
              [A.messageId]: envelope.messageId,
              [A.deploymentId]: envelope.deploymentId,
              [A.attempt]: envelope.attempt,
              ...payloadAttributes(message),
            },
            fromResult: (result) => ({ [A.result]: result.type }),
            failureOf: (result) =>
              result.type === 'failed'
                ? result.error
                : result.type === 'no-handler'
                  ? result.reason
                  : undefined,
          },
          () => target.deliver(envelope, message),
        );
      return deliver;
    },
  });
}

/**
 * The receiving side of a delivery that arrives as a request (`@worldkit/http` apps): a
 * `worldkit.compute.handleRequest` consumer span around the check and the handler, so the
 * handler's World calls nest under it. The message id and attempt come from the delivery's
 * headers, unverified (the span only describes what arrived); a 5xx answer is an error.
 */
function tracedHandleRequest(
  target: ComputeInstance,
  tracer: WorldTracer,
  providers: TracedProviders,
): NonNullable<ComputeInstance['handleRequest']> {
  return (prefix, handler, request) =>
    tracer.run<Response>(
      {
        name: 'worldkit.compute.handleRequest',
        kind: 'consumer',
        attributes: {
          [A.slot]: 'compute',
          [A.provider]: providers.compute,
          [A.method]: 'handleRequest',
          'worldkit.queue_prefix': prefix,
          [A.messageId]: request.headers.get('x-worldkit-message-id') ?? undefined,
          [A.attempt]: Number(request.headers.get('x-worldkit-attempt')) || undefined,
        },
        fromResult: (response) => ({ 'http.response.status_code': response.status }),
        failureOf: (response) =>
          response.status >= 500 ? `answered ${response.status}` : undefined,
      },
      () => target.handleRequest!(prefix, handler, request),
    );
}

/** The run (and step) a runtime queue payload belongs to. */
function payloadAttributes(payload: unknown): SpanAttributes {
  return {
    [A.runId]: field(payload, 'runId') ?? field(payload, 'workflowRunId'),
    [A.stepId]: field(payload, 'stepId'),
  };
}

function field0(value: unknown, key: string): unknown {
  return value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
}

function numberField(value: unknown, key: string): number | undefined {
  const found =
    value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return typeof found === 'number' ? found : undefined;
}
