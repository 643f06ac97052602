// Baseline for bench:gate: Fastify answering POST /v1/decisions with a constant, nothing added.
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
const app = Fastify({ logger: false });
app.post('/v1/decisions', async () => ANSWER);
app.get('/ready', async () => ({ ready: true }));
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
process.once('SIGTERM', () => {
  app.close().then(() => process.exit(0));
});
