/**
 * A kit service run as a real process by the kit's tests. Its routes exercise the contract:
 * slow requests to drain, a downstream call to trace, errors that carry canary secrets, a crash,
 * and a background task that can be made to ignore its abort signal.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createService, runService } from '../../src/index.js';

await runService(() => {
  const service = createService({
    name: process.env.TEST_SERVICE_NAME ?? 'test-service',
    version: '1.2.3',
  });
  const { app } = service;

  app.get<{ Querystring: { ms?: string } }>('/v1/slow', async (request) => {
    await sleep(Number(request.query.ms ?? 50));
    return { ok: true };
  });

  app.post('/v1/echo', async (request) => {
    request.log.info({ body: request.body, headers: request.headers }, 'echo received');
    return { received: true };
  });

  app.get<{ Querystring: { url: string } }>('/v1/call', async (request) => {
    request.log.info('calling downstream');
    const response = await service.http.request(request.query.url);
    return { downstreamStatus: response.statusCode, body: await response.json() };
  });

  app.get('/v1/boom', async () => {
    throw new Error(`db connect failed for ${process.env.TEST_CANARY_DSN ?? 'none'}`);
  });

  app.get('/v1/crash', async () => {
    setImmediate(() => {
      throw new Error(`uncaught with Bearer ${process.env.TEST_CANARY_TOKEN ?? 'none'}`);
    });
    return { scheduled: true };
  });

  if (process.env.TEST_STUBBORN_TASK === '1') {
    // Ignores its abort signal, so only the shutdown deadline can end the process.
    service.tasks.run('stubborn', () => new Promise<void>(() => undefined));
  }
  service.tasks.every('ticker', 50, async () => undefined);
  return service;
});
