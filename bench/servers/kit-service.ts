// The bench:kit subject: the same route with the whole kit on (tracing, metrics, access log,
// redaction, request ids, problem errors), logging to stdout as in production.
import { createService, runService } from '@bulwark/kit';
import { registerHelloRoute } from './hello-route.js';

await runService(() => {
  const service = createService({
    name: 'bench-kit',
    version: '1.0.0',
    shutdown: { drainDelayMs: 0 },
  });
  const route = registerHelloRoute(service.app);
  service.resources.add('hello-route', () => route.close());
  return service;
});
