// Preloaded (node --import) into the peer stack of bench:kit --peers, before Fastify and
// node:http are loaded, as OpenTelemetry's Node documentation prescribes: the Node SDK with the
// http instrumentation and the official Fastify one, registered through the SDK. Everything
// else comes from the standard OTEL_* variables, which the bench sets: the default sampler, and
// OTEL_TRACES_EXPORTER / OTEL_METRICS_EXPORTER / OTEL_LOGS_EXPORTER=none.
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NodeSDK } from '@opentelemetry/sdk-node';

const sdk = new NodeSDK({
  serviceName: 'bench-peer',
  instrumentations: [
    new HttpInstrumentation(),
    new FastifyOtelInstrumentation({ registerOnInitialization: true }),
  ],
});
sdk.start();
