// bench:kit breakdown: bare Fastify plus only what OpenTelemetry context propagation costs on
// Node 20 (an AsyncLocalStorage context manager and one context.with per request). Every
// in-process tracing setup pays this, whatever it is built with.
import { createServer } from 'node:http';
import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import Fastify from 'fastify';
import { exitOnSigterm, registerHelloRoute } from './hello-route.js';

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const app = Fastify({
  logger: false,
  serverFactory: (handler) =>
    createServer((req, res) => context.with(ROOT_CONTEXT, handler, undefined, req, res)),
});
const route = registerHelloRoute(app);
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
process.stdout.write('listening\n');
exitOnSigterm(app, route);
