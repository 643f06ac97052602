// The bench:kit subject: the same route with the whole kit on (tracing, metrics, access log,
// redaction, request ids, problem errors), logging to stdout as in production.
import { createService, runService } from '@bulwark/kit';

await runService(() => {
  const service = createService({
    name: 'bench-kit',
    version: '1.0.0',
    shutdown: { drainDelayMs: 0 },
  });
  service.app.get('/v1/hello/:name', async (request) => ({
    hello: (request.params as { name: string }).name,
  }));
  return service;
});
