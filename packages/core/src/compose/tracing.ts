import { createRequire } from 'node:module';
import type * as OtelApi from '@opentelemetry/api';

/** The instrumentation scope of every span Worldkit records. */
export const TRACER_NAME = '@worldkit/core';

/** Attribute keys of Worldkit's spans (see "Traces" in docs/operating-in-production.md). */
export const SPAN_ATTRIBUTES = {
  slot: 'worldkit.slot',
  provider: 'worldkit.provider',
  method: 'worldkit.method',
  deploymentId: 'worldkit.deployment_id',
  runId: 'worldkit.run_id',
  stepId: 'worldkit.step_id',
  hookId: 'worldkit.hook_id',
  eventType: 'worldkit.event_type',
  streamName: 'worldkit.stream_name',
  queueName: 'messaging.destination.name',
  messageId: 'messaging.message.id',
  attempt: 'worldkit.delivery.attempt',
  outcome: 'worldkit.delivery.outcome',
  result: 'worldkit.delivery.result',
} as const;

export type SpanAttributes = Record<string, string | number | boolean | undefined>;

/** How a span relates to the world outside the process (OpenTelemetry span kinds). */
export type TracedKind = 'internal' | 'client' | 'producer' | 'consumer';

export interface TracedCall<Result> {
  name: string;
  kind: TracedKind;
  attributes: SpanAttributes;
  /** Attributes learnt from the answer (a created run's id, a queued message's id). */
  fromResult?: (result: Result) => SpanAttributes | undefined;
  /** An answer that is a failure without being thrown (a delivery dead-lettered). */
  failureOf?: (result: Result) => string | undefined;
}

/** Records spans around World calls; absent when `@opentelemetry/api` is not installed. */
export interface WorldTracer {
  run<Result>(call: TracedCall<Result>, body: () => Promise<Result>): Promise<Result>;
}

let loaded: typeof OtelApi | null | undefined;

/**
 * `@opentelemetry/api`, if the app installed it (an optional peer dependency), loaded on first
 * use. Without it there is no tracing and nothing is wrapped. With it but no tracer provider
 * registered, the API's own no-op tracer makes each span a few allocations.
 */
function loadApi(): typeof OtelApi | null {
  if (loaded !== undefined) return loaded;
  try {
    loaded = createRequire(import.meta.url)('@opentelemetry/api') as typeof OtelApi;
  } catch {
    loaded = null;
  }
  return loaded;
}

export function createWorldTracer(): WorldTracer | undefined {
  const api = loadApi();
  if (!api) return undefined;
  const kinds: Record<TracedKind, OtelApi.SpanKind> = {
    internal: api.SpanKind.INTERNAL,
    client: api.SpanKind.CLIENT,
    producer: api.SpanKind.PRODUCER,
    consumer: api.SpanKind.CONSUMER,
  };
  return {
    run(call, body) {
      // Asked for on every call, so a tracer provider registered after the World was composed
      // still gets its spans.
      const tracer = api.trace.getTracer(TRACER_NAME);
      return tracer.startActiveSpan(
        call.name,
        { kind: kinds[call.kind], attributes: defined(call.attributes) },
        async (span) => {
          try {
            const result = await body();
            const learnt = call.fromResult?.(result);
            if (learnt) span.setAttributes(defined(learnt));
            const failure = call.failureOf?.(result);
            if (failure !== undefined) {
              span.setStatus({ code: api.SpanStatusCode.ERROR, message: failure });
            }
            return result;
          } catch (error) {
            span.recordException(
              error instanceof Error ? error : { name: 'Error', message: String(error) },
            );
            span.setStatus({
              code: api.SpanStatusCode.ERROR,
              message: error instanceof Error ? error.message : String(error),
            });
            throw error;
          } finally {
            span.end();
          }
        },
      );
    },
  };
}

function defined(attributes: SpanAttributes): OtelApi.Attributes {
  const kept: OtelApi.Attributes = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (value !== undefined) kept[key] = value;
  }
  return kept;
}
