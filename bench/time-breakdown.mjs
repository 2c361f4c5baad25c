/**
 * Where a run's time goes, from the OpenTelemetry spans every composed Worldkit World records
 * (`@worldkit/core` traces each World call and each delivery): an in-memory tracer provider is
 * registered only for the breakdown pass, after the measured passes, so tracing never costs the
 * figures in the main table anything.
 *
 * Per delivery of a queue message:
 *   pickup   = delivery span start − end of the `queue` call that sent the message (the wait
 *              for the queue to hand it over: polling, LISTEN/NOTIFY, a blocking pop, a
 *              long poll; the runtime's messages here carry no delay);
 *   handler  = the bundle's handler (`worldkit.compute.deliver`), split into the storage calls
 *              and queue sends made inside it and the rest — the runtime's own work (replay,
 *              step code, serialisation) and the event loop;
 *   ack      = delivery span − handler: the transport's own bookkeeping (ack, receipt, lease).
 * Storage calls and sends made outside any delivery are `start()`'s (`run_created` + the first
 * message).
 *
 * Spans of Worlds that are not composed by Worldkit (the peers) do not exist, so they get no
 * breakdown.
 */
const DELIVERY = 'worldkit.delivery';
const HANDLER = 'worldkit.compute.deliver';
const SEND = 'worldkit.queue.queue';
const STORAGE_PREFIX = 'worldkit.storage.';
const MESSAGE_ID = 'messaging.message.id';

export async function startTimeBreakdown() {
  const { context, trace } = await import('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
  const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = await import(
    '@opentelemetry/sdk-trace-base'
  );
  const exporter = new InMemorySpanExporter();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
  );
  return {
    /** Per-run and per-step milliseconds of the runs traced so far; undefined without spans. */
    summarize(runCount, stepsPerRun) {
      return summarizeSpans(exporter.getFinishedSpans(), runCount, stepsPerRun);
    },
  };
}

const ms = ([seconds, nanoseconds]) => seconds * 1e3 + nanoseconds / 1e6;

function summarizeSpans(spans, runCount, stepsPerRun) {
  const ours = spans.filter((span) => span.name.startsWith('worldkit.'));
  if (!ours.some((span) => span.name === DELIVERY)) return undefined;
  const byId = new Map(spans.map((span) => [span.spanContext().spanId, span]));
  const parentOf = (span) => {
    const parentId = span.parentSpanContext?.spanId ?? span.parentSpanId;
    return parentId ? byId.get(parentId) : undefined;
  };
  const insideHandler = (span) => {
    for (let parent = parentOf(span); parent; parent = parentOf(parent)) {
      if (parent.name === HANDLER) return true;
    }
    return false;
  };

  const sentAt = new Map();
  const totals = {
    pickup: 0,
    ack: 0,
    handlerStorage: 0,
    handlerSend: 0,
    handlerRuntime: 0,
    startStorage: 0,
    startSend: 0,
  };
  let deliveries = 0;
  let storageCalls = 0;
  for (const span of ours) {
    if (span.name === SEND && span.attributes[MESSAGE_ID]) {
      sentAt.set(span.attributes[MESSAGE_ID], ms(span.endTime));
    }
  }
  const handlers = new Map();
  for (const span of ours) {
    const duration = ms(span.duration);
    if (span.name.startsWith(STORAGE_PREFIX)) {
      storageCalls++;
      if (insideHandler(span)) totals.handlerStorage += duration;
      else totals.startStorage += duration;
    } else if (span.name === SEND) {
      if (insideHandler(span)) totals.handlerSend += duration;
      else totals.startSend += duration;
    } else if (span.name === HANDLER) {
      const delivery = parentOf(span);
      if (delivery) handlers.set(delivery.spanContext().spanId, duration);
      totals.handlerRuntime += duration;
    }
  }
  totals.handlerRuntime -= totals.handlerStorage + totals.handlerSend;
  for (const span of ours) {
    if (span.name !== DELIVERY) continue;
    deliveries++;
    const sent = sentAt.get(span.attributes[MESSAGE_ID]);
    if (sent !== undefined) totals.pickup += Math.max(0, ms(span.startTime) - sent);
    const handler = handlers.get(span.spanContext().spanId) ?? 0;
    totals.ack += Math.max(0, ms(span.duration) - handler);
  }
  const per = (divisor) =>
    Object.fromEntries(Object.entries(totals).map(([key, value]) => [key, value / divisor]));
  return {
    runs: runCount,
    deliveriesPerRun: deliveries / runCount,
    storageCallsPerRun: storageCalls / runCount,
    perRunMs: per(runCount),
    perStepMs: per(runCount * stepsPerRun),
  };
}
