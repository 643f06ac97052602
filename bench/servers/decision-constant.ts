// Baselines for bench:gate: POST /v1/decisions answering a constant decision, on bare Fastify
// (BENCH_SERVER=bare) or on a kit service (BENCH_SERVER=kit), so the tool gate's figure splits
// into what the kit's request path costs and what deciding and recording cost.
import { createService, runService } from '@bulwark/kit';
import Fastify from 'fastify';

const ANSWER = {
  id: '00000000-0000-7000-8000-000000000000',
  allow: true,
  effect: 'allow',
  reason: 'constant',
  mode: 'WORK',
  policyVersion: 1,
  policyDigest: '0'.repeat(64),
  counter: 0,
  time: new Date(0).toISOString(),
};

if (process.env.BENCH_SERVER === 'kit') {
  await runService(() => {
    const service = createService({
      name: 'bench-decision',
      version: '1.0.0',
      shutdown: { drainDelayMs: 0 },
    });
    service.app.post('/v1/decisions', async () => ANSWER);
    return service;
  });
} else {
  const app = Fastify({ logger: false });
  app.post('/v1/decisions', async () => ANSWER);
  app.get('/ready', async () => ({ ready: true }));
  await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
  process.once('SIGTERM', () => {
    app.close().then(() => process.exit(0));
  });
}
