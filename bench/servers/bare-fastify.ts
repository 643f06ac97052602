// Baseline for bench:kit: the same route on Fastify with nothing added.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/v1/hello/:name', async (request) => ({
  hello: (request.params as { name: string }).name,
}));
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
process.stdout.write('listening\n');
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
