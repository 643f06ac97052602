// bench:kit --peers: a kit service set up to match one of the peer stacks (peer-stack.ts).
//   KIT_FEATURES=foundation  the foundation set alone: tracing, metrics, the access log, request
//                            ids, problem errors; security headers and load shedding, on by
//                            default since issue 14, are turned off to match the peer's set
//                            (kit-service.ts is the kit with its defaults)
//   KIT_FEATURES=all         everything on: a bearer JWT required on every request (the same
//                            key, algorithm and token as the peer's), one rate-limit rule never
//                            reached, security headers, load shedding, and the route's schema
//                            under the kit's strict validators
import { createService, runService, type ServiceConfigInput } from '@bulwark/kit';
import { benchJwtFromEnv } from './bench-jwt.js';
import { registerHelloRoute } from './hello-route.js';

const features = process.env.KIT_FEATURES;
if (features !== 'foundation' && features !== 'all') {
  throw new Error(`KIT_FEATURES must be foundation or all, not ${features}`);
}
/** The same ceiling as the peer's @fastify/rate-limit in peer-stack.ts. */
const NEVER_REACHED = 10_000_000;

function everythingOn(): Omit<ServiceConfigInput, 'name' | 'version'> {
  const jwt = benchJwtFromEnv();
  return {
    auth: {
      mode: 'required',
      jwt: {
        issuer: jwt.issuer,
        audience: jwt.audience,
        algorithms: [jwt.algorithm],
        publicKeyFile: jwt.publicKeyFile,
      },
    },
    rateLimit: {
      enabled: true,
      rules: [{ name: 'bench', by: ['route', 'subject'], points: NEVER_REACHED, windowMs: 1_000 }],
    },
    securityHeaders: { enabled: true },
    shedding: { enabled: true },
  };
}

await runService(() => {
  const service = createService({
    name: 'bench-kit',
    version: '1.0.0',
    shutdown: { drainDelayMs: 0 },
    ...(features === 'all'
      ? everythingOn()
      : { securityHeaders: { enabled: false }, shedding: { enabled: false } }),
  });
  const route = registerHelloRoute(service.app, { schema: features === 'all' });
  service.resources.add('hello-route', () => route.close());
  return service;
});
