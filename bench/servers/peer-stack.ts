// bench:kit --peers: the stack a Fastify user assembles instead of the kit, each part in the
// usage its README gives for Fastify 5 and otherwise at its defaults. OpenTelemetry is
// preloaded (peer-otel.ts), so this file sees node:http and Fastify already instrumented.
//   PEER_FEATURES=foundation  Fastify's own pino request logging (two lines per request, to
//                             stdout), fastify-metrics' default route metrics (a histogram and
//                             a summary) and default process metrics
//   PEER_FEATURES=all         the above, then @fastify/helmet, a bearer JWT checked on every
//                             request by @fastify/jwt (PEER_JWT_CACHE=1: with its cache of
//                             verified tokens), @fastify/rate-limit in memory keyed by
//                             the token's subject with a limit never reached, and the route's
//                             schema, in the kit's order: headers, authentication, rate limit
import { readFileSync } from 'node:fs';
import { Server } from 'node:http';
import fastifyHelmet from '@fastify/helmet';
import fastifyJwt from '@fastify/jwt';
import fastifyRateLimit from '@fastify/rate-limit';
import Fastify from 'fastify';
import fastifyMetrics from 'fastify-metrics';
import { benchJwtFromEnv } from './bench-jwt.js';
import { exitOnSigterm, registerHelloRoute } from './hello-route.js';

const features = process.env.PEER_FEATURES;
if (features !== 'foundation' && features !== 'all') {
  throw new Error(`PEER_FEATURES must be foundation or all, not ${features}`);
}
/** The same ceiling as the kit's rule in kit-stack.ts: never reached in a bench run. */
const NEVER_REACHED = 10_000_000;

const app = Fastify({ logger: true });
await app.register(fastifyMetrics, { endpoint: '/metrics' });
if (features === 'all') {
  const jwt = benchJwtFromEnv();
  await app.register(fastifyHelmet);
  await app.register(fastifyJwt, {
    // Verify-only: the public key alone, as for tokens an identity provider issues.
    secret: { public: readFileSync(jwt.publicKeyFile) },
    verify: {
      algorithms: [jwt.algorithm],
      allowedIss: jwt.issuer,
      allowedAud: jwt.audience,
      // fast-jwt's verified-token cache is off by default; PEER_JWT_CACHE=1 turns it on, to
      // match the kit, which keeps tokens it verified (every request here repeats one token).
      ...(process.env.PEER_JWT_CACHE === '1' ? { cache: true } : {}),
    },
  });
  app.addHook('onRequest', async (request) => {
    await request.jwtVerify();
  });
  // Registered after the JWT hook: its per-route hooks run after the global ones, so the
  // subject is known when the key is made.
  await app.register(fastifyRateLimit, {
    max: NEVER_REACHED,
    timeWindow: 1_000,
    keyGenerator: (request) => (request.user as { sub?: string }).sub ?? request.ip,
  });
}

// The bench's check that both instrumentations took (a preload that silently failed would
// make the peer look cheaper than it is): called once at startup, never during a measurement.
app.get('/__bench/otel', async (request) => ({
  httpInstrumented: (Server.prototype.emit as { __wrapped?: boolean }).__wrapped === true,
  fastifyInstrumented:
    (
      request as { opentelemetry?: () => { enabled: boolean; instrumented: boolean } }
    ).opentelemetry?.().enabled === true,
}));
const route = registerHelloRoute(app, { schema: features === 'all' });
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
exitOnSigterm(app, route);
