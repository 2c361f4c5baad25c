import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import {
  createWorld,
  encodeMessage,
  loadWorkflowCode,
  type RuntimeQueueHandler,
  type StorageProvider,
} from '@worldkit/core';
import { httpCompute, signDelivery } from '@worldkit/http';
import { local } from '@worldkit/local';
import { buildWorkflowFixtures, silentLogger, waitForRun } from '@worldkit/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { start } from 'workflow/api';

// An app that installed @opentelemetry/api and registered a tracer provider gets one span per
// World call and per delivery, from the composer alone: no provider is instrumented.
const exporter = new InMemorySpanExporter();
const contextManager = new AsyncLocalStorageContextManager().enable();
context.setGlobalContextManager(contextManager);
const tracerProvider = new BasicTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(exporter)],
});
trace.setGlobalTracerProvider(tracerProvider);

const UNREACHABLE_RUN = 'wrun_01JZZZZZZZZZZZZZZZZZZZZZZZ';

describe('OpenTelemetry spans from the composed World', () => {
  const base = local({ memory: true });
  // Storage that fails one call the way a backend outage would.
  const storage: StorageProvider = {
    ...base.storage,
    create(providerContext) {
      const inner = base.storage.create(providerContext);
      const get = inner.runs.get.bind(inner.runs);
      return {
        ...inner,
        runs: {
          ...inner.runs,
          get: ((runId: string, params?: unknown) =>
            runId === UNREACHABLE_RUN
              ? Promise.reject(new Error('storage is unreachable'))
              : get(runId, params as never)) as typeof inner.runs.get,
        },
      };
    },
  };
  const world = createWorld({
    ...base,
    storage,
    deploymentId: 'tracing',
    logger: silentLogger,
  });

  afterAll(async () => {
    await world.close();
    await tracerProvider.shutdown();
    context.disable();
  });

  const ours = () =>
    exporter
      .getFinishedSpans()
      .filter((span) => span.instrumentationScope.name === '@worldkit/core');
  /**
   * The nearest enclosing Worldkit span: the Workflow SDK records spans of its own when
   * `@opentelemetry/api` is installed, and they may sit between ours.
   */
  const parentOf = (span: ReadableSpan) => {
    const all = byId(exporter.getFinishedSpans());
    let parentId = span.parentSpanContext?.spanId;
    for (let parent = all.get(parentId ?? ''); parent; parent = all.get(parentId ?? '')) {
      if (parent.instrumentationScope.name === '@worldkit/core') return parentId;
      parentId = parent.parentSpanContext?.spanId;
    }
    return parentId;
  };
  const byId = (spans: ReadableSpan[]) =>
    new Map(spans.map((span) => [span.spanContext().spanId, span]));

  it('records start, storage, queue and delivery spans, nested under their delivery', async () => {
    const built = await buildWorkflowFixtures();
    const code = loadWorkflowCode({ world, directory: built.directory });
    await world.start();
    const run = await start(code.workflow('sequentialWorkflow'), [4, 5]);
    const finished = await waitForRun(world, run.runId, 30_000);
    expect(finished.status).toBe('completed');
    expect(await run.returnValue).toBe(36);

    const spans = ours();
    const names = new Set(spans.map((span) => span.name));
    for (const name of [
      'worldkit.start',
      'worldkit.storage.events.create',
      'worldkit.storage.runs.get',
      'worldkit.queue.queue',
      'worldkit.delivery',
      'worldkit.compute.deliver',
    ]) {
      expect(names, name).toContain(name);
    }

    const startSpan = spans.find((span) => span.name === 'worldkit.start');
    expect(startSpan?.kind).toBe(SpanKind.INTERNAL);
    expect(startSpan?.attributes['worldkit.deployment_id']).toBe('tracing');

    // The run's creation: a client span with the run id learnt from the answer.
    const created = spans.find(
      (span) =>
        span.name === 'worldkit.storage.events.create' &&
        span.attributes['worldkit.event_type'] === 'run_created',
    );
    expect(created?.kind).toBe(SpanKind.CLIENT);
    expect(created?.attributes).toMatchObject({
      'worldkit.slot': 'storage',
      'worldkit.provider': 'local',
      'worldkit.method': 'events.create',
      'worldkit.run_id': run.runId,
    });
    expect(created?.status.code).not.toBe(SpanStatusCode.ERROR);

    // Every message queued for the run is a producer span naming its queue and message id.
    const queued = spans.filter(
      (span) =>
        span.name === 'worldkit.queue.queue' && span.attributes['worldkit.run_id'] === run.runId,
    );
    expect(queued.length).toBeGreaterThanOrEqual(4); // the run, then three steps
    for (const span of queued) {
      expect(span.kind).toBe(SpanKind.PRODUCER);
      expect(span.attributes['messaging.destination.name']).toMatch(/^__wkf_(workflow|step)_/);
      expect(span.attributes['messaging.message.id']).toEqual(expect.any(String));
    }

    // Deliveries: a consumer span per message, the compute call beneath it, and the handler's
    // storage calls beneath that.
    const index = byId(spans);
    const deliveries = spans.filter((span) => span.name === 'worldkit.delivery');
    expect(deliveries.length).toBeGreaterThanOrEqual(4);
    for (const delivery of deliveries) {
      expect(delivery.kind).toBe(SpanKind.CONSUMER);
      expect(delivery.attributes).toMatchObject({
        'worldkit.slot': 'queue',
        'worldkit.provider': 'local',
        'worldkit.delivery.outcome': 'ack',
      });
      expect(delivery.attributes['worldkit.delivery.attempt']).toEqual(expect.any(Number));
    }
    const stepDelivery = deliveries.find((span) =>
      String(span.attributes['messaging.destination.name']).startsWith('__wkf_step_'),
    );
    expect(stepDelivery).toBeDefined();
    const computeSpan = spans.find(
      (span) =>
        span.name === 'worldkit.compute.deliver' &&
        parentOf(span) === stepDelivery?.spanContext().spanId,
    );
    expect(computeSpan?.attributes).toMatchObject({
      'worldkit.slot': 'compute',
      'worldkit.delivery.result': 'done',
      'worldkit.run_id': run.runId,
      'messaging.message.id': stepDelivery?.attributes['messaging.message.id'],
    });
    const handlerCalls = spans.filter(
      (span) => parentOf(span) === computeSpan?.spanContext().spanId,
    );
    expect(handlerCalls.map((span) => span.name)).toContain('worldkit.storage.events.create');
    for (const call of handlerCalls) {
      expect(index.get(parentOf(call) ?? '')?.name).toBe('worldkit.compute.deliver');
    }
    // The step's own events name the run they belong to.
    expect(
      handlerCalls.some(
        (span) =>
          span.attributes['worldkit.event_type'] === 'step_started' &&
          span.attributes['worldkit.run_id'] === run.runId,
      ),
    ).toBe(true);
  });

  it('records streamer calls with the stream and run they belong to', async () => {
    exporter.reset();
    const built = await buildWorkflowFixtures();
    const code = loadWorkflowCode({ world, directory: built.directory });
    const run = await start(code.workflow('streamWorkflow'), [['a', 'b']]);
    expect((await waitForRun(world, run.runId, 30_000)).status).toBe('completed');

    const streamed = ours().filter((span) => span.attributes['worldkit.slot'] === 'streamer');
    expect(streamed.length).toBeGreaterThan(0);
    const write = streamed.find((span) => span.name.startsWith('worldkit.streamer.writeToStream'));
    expect(write?.kind).toBe(SpanKind.CLIENT);
    expect(write?.attributes).toMatchObject({
      'worldkit.provider': 'local',
      'worldkit.run_id': run.runId,
    });
    expect(write?.attributes['worldkit.stream_name']).toEqual(expect.any(String));
    expect(streamed.map((span) => span.name)).toContain('worldkit.streamer.closeStream');
  });

  it('marks a failing storage call as an error and records the exception', async () => {
    exporter.reset();
    await expect(world.runs.get(UNREACHABLE_RUN)).rejects.toThrow('storage is unreachable');

    const failed = ours().find((span) => span.name === 'worldkit.storage.runs.get');
    expect(failed?.attributes).toMatchObject({
      'worldkit.slot': 'storage',
      'worldkit.method': 'runs.get',
      'worldkit.run_id': UNREACHABLE_RUN,
    });
    expect(failed?.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: 'storage is unreachable',
    });
    const exception = failed?.events.find((event) => event.name === 'exception');
    expect(exception?.attributes?.['exception.message']).toBe('storage is unreachable');
  });

  it('never puts a hook token in an attribute (it is a credential)', async () => {
    exporter.reset();
    await world.hooks.getByToken('secret-token-value').catch(() => undefined);
    const span = ours().find((candidate) => candidate.name === 'worldkit.storage.hooks.getByToken');
    expect(span).toBeDefined();
    expect(JSON.stringify(span?.attributes)).not.toContain('secret-token-value');
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('records a delivery received over HTTP, with the World calls of its handler beneath it', async () => {
    exporter.reset();
    const secret = 'tracing-http-secret-0123456789abcdef-xyz';
    const app = createWorld({
      ...local({ memory: true }),
      deploymentId: 'tracing-app',
      logger: silentLogger,
      compute: httpCompute({ secret, replayCache: 'memory' }),
    });
    try {
      const handler: RuntimeQueueHandler = async () => {
        await app.hooks.get('hook_missing').catch(() => undefined);
      };
      app.worldkit.compute.register('tracing-app', '__wkf_step_', handler);
      const body = JSON.stringify({
        format: 1,
        messageId: 'msg_traced',
        queueName: '__wkf_step_add',
        deploymentId: 'tracing-app',
        body: encodeMessage({ n: 1 }),
        attempt: 3,
        failures: 0,
        notBefore: 0,
        createdAt: 0,
      });
      const request = new Request('http://app.test/.well-known/workflow/v1/step', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...signDelivery(
            secret,
            { timestamp: Math.floor(Date.now() / 1000), messageId: 'msg_traced', attempt: 3 },
            body,
          ),
        },
        body,
      });
      const response = await app.worldkit.compute.handleRequest!('__wkf_step_', handler, request);
      expect(response.status).toBe(200);

      const spans = ours();
      const received = spans.find((span) => span.name === 'worldkit.compute.handleRequest');
      expect(received?.kind).toBe(SpanKind.CONSUMER);
      expect(received?.attributes).toMatchObject({
        'worldkit.slot': 'compute',
        'worldkit.provider': 'http',
        'messaging.message.id': 'msg_traced',
        'worldkit.delivery.attempt': 3,
        'http.response.status_code': 200,
      });
      const hookRead = spans.find((span) => span.name === 'worldkit.storage.hooks.get');
      expect(parentOf(hookRead!)).toBe(received?.spanContext().spanId);
      expect(hookRead?.status.code).toBe(SpanStatusCode.ERROR);
    } finally {
      await app.close();
    }
  });
});
