import { createRequire } from 'node:module';
import {
  type Attributes,
  type Context,
  context,
  isSpanContextValid,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type TextMapSetter,
  TraceFlags,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { randomSpanId, randomTraceId } from './random-ids.js';

export interface TracingOptions {
  service: string;
  version: string;
  sampleRatio: number;
  otlpEndpoint?: string | undefined;
  /** Extra processors (tests use an in-memory exporter). */
  spanProcessors?: SpanProcessor[];
}

/**
 * Message headers as the brokers give them: a plain record (Kafka, AMQP, our own envelopes) or
 * a get/set map (NATS `MsgHdrs`).
 */
export type MessageHeaders =
  | Record<string, string | string[] | Buffer | undefined>
  | { get(key: string): string | undefined; set(key: string, value: string): void };

function isHeaderMap(
  headers: MessageHeaders,
): headers is { get(key: string): string | undefined; set(key: string, value: string): void } {
  return typeof (headers as { get?: unknown }).get === 'function';
}

const headerGetter: TextMapGetter<MessageHeaders> = {
  keys: (carrier) => (isHeaderMap(carrier) ? [] : Object.keys(carrier)),
  get(carrier, key) {
    if (isHeaderMap(carrier)) return carrier.get(key) || undefined;
    const value = carrier[key] ?? carrier[key.toLowerCase()];
    if (Buffer.isBuffer(value)) return value.toString('utf8');
    return value;
  },
};

const headerSetter: TextMapSetter<MessageHeaders> = {
  set(carrier, key, value) {
    if (isHeaderMap(carrier)) carrier.set(key, value);
    else carrier[key] = value;
  },
};

/**
 * The OTLP exporter (with its protobuf and transport layers) is loaded only by a service that
 * exports spans: imported eagerly it was the largest part of loading the kit, paid by every
 * process that imports it (the CLI, the verifier) though most never export a span. `require`
 * keeps the Tracing constructor synchronous; the package is CommonJS, so this is the same module
 * instance an `import` would give.
 */
const requireOnUse = createRequire(import.meta.url);

function otlpSpanProcessor(url: string): SpanProcessor {
  const { OTLPTraceExporter } = requireOnUse(
    '@opentelemetry/exporter-trace-otlp-http',
  ) as typeof import('@opentelemetry/exporter-trace-otlp-http');
  return new BatchSpanProcessor(new OTLPTraceExporter({ url }));
}

let contextManagerInstalled = false;
/** The SDK's spans draw their ids from the same pool as the kit's bare span contexts. */
const idGenerator = { generateTraceId: randomTraceId, generateSpanId: randomSpanId };

/**
 * Tracing for one service. Context propagation is explicit: the kit extracts on inbound HTTP and
 * messages and injects on outbound ones. We do not rely on auto-instrumentation, which patches
 * modules and under ESM needs a loader hook to see them at all.
 */
export class Tracing {
  readonly tracer: Tracer;
  readonly propagator = new CompositePropagator({
    propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
  });
  readonly #provider: BasicTracerProvider;
  /** False when no processor receives spans: then nothing is recorded, only ids propagated. */
  readonly #recording: boolean;

  constructor(options: TracingOptions) {
    if (!contextManagerInstalled) {
      // One per process; every kit service in the process shares it.
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
      contextManagerInstalled = true;
    }
    const spanProcessors = [...(options.spanProcessors ?? [])];
    if (options.otlpEndpoint) {
      spanProcessors.push(otlpSpanProcessor(options.otlpEndpoint));
    }
    this.#recording = spanProcessors.length > 0;
    this.#provider = new BasicTracerProvider({
      resource: resourceFromAttributes({
        [ATTR_SERVICE_NAME]: options.service,
        [ATTR_SERVICE_VERSION]: options.version,
      }),
      // With nowhere to send spans, recording them is wasted work: root spans are then not
      // recorded, yet still get trace and span ids for log correlation and propagation. A
      // caller's sampled flag is honoured either way (ParentBased).
      sampler: new ParentBasedSampler({
        root:
          spanProcessors.length > 0
            ? new TraceIdRatioBasedSampler(options.sampleRatio)
            : new AlwaysOffSampler(),
      }),
      spanProcessors,
      idGenerator,
    });
    this.tracer = this.#provider.getTracer(options.service, options.version);
  }

  /**
   * Starts a span. With nowhere to send spans this skips the SDK (sampler, span object) and
   * wraps a fresh span context: the ids and the caller's sampled flag and tracestate still
   * propagate, which is all a non-recording span is for. This runs once per request.
   */
  startSpan(name: string, kind: SpanKind, parent: Context, attributes?: Attributes): Span {
    if (this.#recording) return this.tracer.startSpan(name, { kind, attributes }, parent);
    const parentSpan = trace.getSpanContext(parent);
    const inherited = parentSpan !== undefined && isSpanContextValid(parentSpan);
    return trace.wrapSpanContext({
      traceId: inherited ? parentSpan.traceId : randomTraceId(),
      spanId: randomSpanId(),
      traceFlags: inherited ? parentSpan.traceFlags & TraceFlags.SAMPLED : TraceFlags.NONE,
      ...(inherited && parentSpan.traceState ? { traceState: parentSpan.traceState } : {}),
    });
  }

  /** The context carried by inbound headers (HTTP or message). */
  extract(headers: MessageHeaders, parent: Context = context.active()): Context {
    return this.propagator.extract(parent, headers, headerGetter);
  }

  /** Writes traceparent/tracestate/baggage of `ctx` into outbound headers. */
  inject(headers: MessageHeaders, ctx: Context = context.active()): void {
    this.propagator.inject(ctx, headers, headerSetter);
  }

  /**
   * Runs `fn` in a PRODUCER span and injects that span into `headers` before `fn` publishes, so
   * the consumer's span becomes its child.
   */
  async withProducerSpan<T>(
    destination: string,
    headers: MessageHeaders,
    fn: () => Promise<T> | T,
  ): Promise<T> {
    return this.#inSpan(
      `publish ${destination}`,
      SpanKind.PRODUCER,
      context.active(),
      (span) => {
        this.inject(headers, trace.setSpan(context.active(), span));
        return fn();
      },
      { 'messaging.destination.name': destination, 'messaging.operation.type': 'send' },
    );
  }

  /** Runs `fn` in a CONSUMER span whose parent is the producer context found in `headers`. */
  async withConsumerSpan<T>(
    destination: string,
    headers: MessageHeaders,
    fn: () => Promise<T> | T,
  ): Promise<T> {
    const parent = this.extract(headers);
    return this.#inSpan(`process ${destination}`, SpanKind.CONSUMER, parent, () => fn(), {
      'messaging.destination.name': destination,
      'messaging.operation.type': 'process',
    });
  }

  /** Runs `fn` in an INTERNAL span (background work, startup steps). */
  async withSpan<T>(name: string, fn: (span: Span) => Promise<T> | T): Promise<T> {
    return this.#inSpan(name, SpanKind.INTERNAL, context.active(), fn, {});
  }

  async #inSpan<T>(
    name: string,
    kind: SpanKind,
    parent: Context,
    fn: (span: Span) => Promise<T> | T,
    attributes: Record<string, string>,
  ): Promise<T> {
    const span = this.startSpan(name, kind, parent, attributes);
    try {
      return await context.with(trace.setSpan(parent, span), () => fn(span));
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  }

  /** Flushes pending spans; registered as the last resource to close. */
  async shutdown(): Promise<void> {
    await this.#provider.shutdown();
  }
}

/** W3C Trace Context Level 2 response header for a span context. */
export function traceresponseFor(span: Span): string {
  const { traceId, spanId, traceFlags } = span.spanContext();
  return `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, '0')}`;
}
