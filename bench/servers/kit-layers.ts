// bench:kit --breakdown: the kit's request path stacked layer by layer on bare Fastify, from
// the kit's own modules, so the gap between bare Fastify and a kit service can be attributed.
//   KIT_LAYERS=traced   Fastify with the kit's logging options and traced server (ids, span,
//                       context, response-close accounting without metrics)
//   KIT_LAYERS=metrics  the above plus the route hook and the request metrics
import Fastify from 'fastify';
import { kitLoggingOptions } from '../../packages/kit/src/http/fastify-options.js';
import {
  requestIdOf,
  routeMatched,
  tracedServerFactory,
} from '../../packages/kit/src/http/traced-server.js';
import { createLogger } from '../../packages/kit/src/logging/logger.js';
import {
  HttpServerMetrics,
  ServiceMetrics,
} from '../../packages/kit/src/metrics/service-metrics.js';
import { Tracing } from '../../packages/kit/src/tracing/tracing.js';
import { exitOnSigterm, registerHelloRoute } from './hello-route.js';

const withMetrics = process.env.KIT_LAYERS === 'metrics';
const logger = createLogger({ service: 'bench', version: '1', level: 'info' });
const tracing = new Tracing({ service: 'bench', version: '1', sampleRatio: 1 });
const metrics = withMetrics
  ? new HttpServerMetrics(new ServiceMetrics({ service: 'bench', version: '1' }).registry, 2000)
  : undefined;

const app = Fastify({
  ...kitLoggingOptions(logger),
  genReqId: requestIdOf,
  serverFactory: tracedServerFactory({
    tracing,
    onRequestStart: () => metrics?.requestStarted(),
    onRequestEnd: (outcome) => {
      if (!metrics) return;
      metrics.requestEnded();
      metrics.observeRequest(outcome.method, outcome.route, outcome.statusCode, outcome.seconds);
    },
  }),
});
if (withMetrics) {
  app.addHook('onRequest', (request, reply, done) => {
    const headers = routeMatched(request.raw, request.routeOptions.url ?? '__unmatched__', false);
    if (headers)
      reply
        .header('x-request-id', headers.requestId)
        .header('traceresponse', headers.traceresponse);
    done();
  });
}
const route = registerHelloRoute(app);
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
exitOnSigterm(app, route);
