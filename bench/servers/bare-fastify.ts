// Baseline for bench:kit: the same route on Fastify with nothing added.
import Fastify from 'fastify';
import { exitOnSigterm, registerHelloRoute } from './hello-route.js';

const app = Fastify({ logger: false });
const route = registerHelloRoute(app);
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
process.stdout.write('listening\n');
exitOnSigterm(app, route);
