import type { FastifyInstance } from 'fastify';
import { ENDPOINTS } from '../contract.js';
import type { Runtime } from '../runtime.js';

/** Route config flag: probe traffic is logged at debug, not as access-log noise. */
export const PROBE_ROUTE = { bulwarkProbe: true } as const;

/**
 * The contract's endpoints. All of them answer from memory: liveness reads in-process checks,
 * readiness and health read the cached probe results, so no probe request touches a dependency.
 */
export function registerProbeRoutes(app: FastifyInstance, runtime: Runtime): void {
  const { name, version } = runtime.config;

  app.get(ENDPOINTS.live, { config: PROBE_ROUTE }, (_request, reply) => {
    const verdict = runtime.liveness();
    if (verdict.alive) return reply.send({ status: 'alive' });
    return reply.code(503).send({ status: 'dead', failing: verdict.failing });
  });

  app.get(ENDPOINTS.startup, { config: PROBE_ROUTE }, (_request, reply) => {
    if (runtime.started) return reply.send({ status: 'started' });
    return reply.code(503).send({ status: 'starting' });
  });

  app.get(ENDPOINTS.ready, { config: PROBE_ROUTE }, (_request, reply) => {
    const verdict = runtime.ready();
    if (verdict.ready) return reply.send({ status: 'ready' });
    return reply
      .code(503)
      .send({ status: 'not_ready', reason: verdict.reason, failing: verdict.failing });
  });

  // Health follows the shape of draft-inadarei-api-health-check: pass, warn or fail overall,
  // with one entry per component.
  app.get(ENDPOINTS.health, { config: PROBE_ROUTE }, (_request, reply) => {
    const results = runtime.readiness.results();
    const ready = runtime.ready();
    const live = runtime.liveness();
    const reports = runtime.healthReports();
    const degraded = results.some((r) => !r.ok) || reports.some(([, r]) => r.status !== 'pass');
    const failed = reports.some(([, r]) => r.status === 'fail');
    const status = !live.alive || !ready.ready || failed ? 'fail' : degraded ? 'warn' : 'pass';
    return reply
      .code(status === 'fail' ? 503 : 200)
      .type('application/health+json')
      .send({
        status,
        service: name,
        version,
        state: runtime.state,
        uptime_seconds: Math.round(process.uptime()),
        ...(ready.ready ? {} : { reason: ready.reason }),
        components: results.map((r) => ({
          name: r.name,
          critical: r.critical,
          status: r.ok ? 'pass' : 'fail',
          latency_ms: r.latencyMs,
          checked_at: new Date(r.checkedAt).toISOString(),
          last_success_at:
            r.lastSuccessAt === undefined ? null : new Date(r.lastSuccessAt).toISOString(),
          ...(r.error === undefined ? {} : { error: r.error }),
          ...(r.details === undefined ? {} : { details: r.details }),
        })),
        liveness: live.failing,
        ...Object.fromEntries(reports),
      });
  });

  app.get(ENDPOINTS.metrics, { config: PROBE_ROUTE }, async (_request, reply) => {
    const { contentType, body } = await runtime.metrics.render();
    return reply.type(contentType).send(body);
  });
}
