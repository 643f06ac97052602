/**
 * A kit service (or, with TEST_DUMP_KIND=worker, a worker) run as a real process by the
 * OpenAPI dump-mode tests. Its startup step writes TEST_STARTUP_MARKER, so a test can tell
 * whether startup steps ran; the dump mode must run none.
 */
import { writeFileSync } from 'node:fs';
import { Type } from '@sinclair/typebox';
import { createService, createWorker, runService } from '../../src/index.js';

await runService(() => {
  const marker = process.env.TEST_STARTUP_MARKER;
  if (process.env.TEST_DUMP_KIND === 'worker') {
    return createWorker({ name: 'dump-worker', version: '1.0.0' });
  }
  const service = createService({ name: 'dump-service', version: '2.3.4' });
  service.app.get(
    '/v1/things/:id',
    {
      schema: {
        summary: 'One thing',
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        response: { 200: Type.Object({ id: Type.String({ format: 'uuid' }) }) },
      },
    },
    async (request) => ({ id: (request.params as { id: string }).id }),
  );
  if (marker) service.onStartup('marker', () => writeFileSync(marker, 'started'));
  return service;
});
