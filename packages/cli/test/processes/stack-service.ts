/**
 * A kit service for `bulwark up`'s tests, shaped by its environment:
 *   TEST_STARTUP_MS   a startup step that takes this long (a service still starting)
 *   TEST_FAIL_STARTUP a startup step that logs a few lines, then fails (a service that exits)
 *   TEST_UPSTREAM_URL a critical readiness probe on <url>/ready (a dependent of another service)
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createService, httpProbe, runService } from '@bulwark/kit';

await runService(() => {
  const service = createService({
    name: process.env.TEST_SERVICE_NAME ?? 'stack-service',
    version: '1.0.0',
  });
  const startupMs = Number(process.env.TEST_STARTUP_MS ?? 0);
  if (startupMs > 0) {
    service.onStartup('warm-up', (signal) => sleep(startupMs, undefined, { signal }));
  }
  if (process.env.TEST_FAIL_STARTUP) {
    service.onStartup('migrate', () => {
      for (let step = 1; step <= 25; step++)
        service.logger.info({ step }, `migration step ${step}`);
      throw new Error(process.env.TEST_FAIL_STARTUP);
    });
  }
  const upstream = process.env.TEST_UPSTREAM_URL;
  if (upstream) {
    service.logger.info({ upstream }, `upstream is ${upstream}`);
    service.addReadinessProbe(httpProbe(`${upstream}/ready`, { name: 'upstream' }));
  }
  service.app.get('/v1/upstream', async () => ({ upstream: upstream ?? null }));
  return service;
});
