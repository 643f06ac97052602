import { describe, expect, it } from 'vitest';
import { BUILTIN_CHECKS, defaultRegistry } from '../src/checks/builtin.js';
import { CheckRegistry } from '../src/checks/registry.js';
import { bindCriterion } from '../src/plan/import/index.js';

const registry = defaultRegistry();

function bound(text: string): Array<[string, Record<string, unknown>]> {
  const result = bindCriterion(text, registry);
  if (result.kind !== 'bound') throw new Error(`${text}: manual (${result.reason})`);
  return result.bindings.map((b) => [b.check, b.with]);
}

function manual(text: string): string {
  const result = bindCriterion(text, registry);
  if (result.kind !== 'manual') throw new Error(`${text}: bound to ${result.bindings[0]?.check}`);
  return result.reason;
}

describe('plan import: binding criteria to checks', () => {
  it('reads latency limits in ms, s, seconds and minutes for the probe endpoints it names', () => {
    expect(
      bound('All HTTP services respond to /ready and /live within <200ms when healthy.'),
    ).toEqual([['probe.latency', { p95Ms: 200, endpoints: ['/live', '/ready'] }]]);
    expect(bound('/health answers in under 0.5 s')).toEqual([
      ['probe.latency', { p95Ms: 500, endpoints: ['/health'] }],
    ]);
    expect(bound('/startup responds within 2 seconds')).toEqual([
      ['probe.latency', { p95Ms: 2000, endpoints: ['/startup'] }],
    ]);
    expect(bound('/live stays below 1 minute even under load')).toEqual([
      ['probe.latency', { p95Ms: 60_000, endpoints: ['/live'] }],
    ]);
  });

  it('binds a shutdown drill only with a time limit', () => {
    expect(bound('Graceful shutdown completes within 30s')).toEqual([
      ['drill.shutdown', { maxMs: 30_000 }],
    ]);
    expect(bound('Shutdown finishes in under 2 minutes')).toEqual([
      ['drill.shutdown', { maxMs: 120_000 }],
    ]);
    expect(manual('Add graceful shutdown and startup timeout handling.')).toMatch(
      /drill\.shutdown needs a time limit/,
    );
    // "e.g." and "default" numbers are examples, not limits.
    expect(
      manual('Gateway: add termination timeout enforcement (e.g., 20s) before forced exit.'),
    ).toMatch(/^no check measures/);
  });

  it('binds the contract checks to the words that name them', () => {
    expect(bound('All services have `/health` and `/ready` endpoints')).toEqual([
      ['probe.contract', {}],
    ]);
    expect(bound('All services expose `/metrics` endpoint')).toEqual([['metrics.contract', {}]]);
    expect(
      bound('Startup and shutdown metrics exposed and observable in Prometheus scrape.'),
    ).toEqual([
      ['metrics.contract', { families: ['service_startup_seconds', 'service_shutdown_seconds'] }],
    ]);
    expect(bound('Every service propagates traceparent to the services it calls')).toEqual([
      ['trace.propagation', {}],
    ]);
    expect(bound('Test: Verify stack traces not in API responses')).toEqual([
      ['errors.problem-json', {}],
    ]);
    expect(bound('Error bodies are RFC 9457 problem+json')).toEqual([['errors.problem-json', {}]]);
    expect(bound('Introduce API versioning (`/v1/*`).')).toEqual([
      ['api.versioned', { prefix: '/v1' }],
    ]);
    expect(bound('All APIs versioned under /v2')).toEqual([['api.versioned', { prefix: '/v2' }]]);
    expect(bound('Ledger verification endpoint returns valid chain after 24h soak.')).toEqual([
      ['ledger.verify', {}],
    ]);
    expect(bound('All containers pass least-privilege audit checklist.')).toEqual([
      ['audit.controls', { profile: 'security' }],
    ]);
    expect(bound('Run all services as non-root, read-only where safe, with cap-drop all.')).toEqual(
      [['audit.controls', { profile: 'security' }]],
    );
  });

  it('leaves near misses manual, with what the check would not have measured', () => {
    expect(
      manual('Traceparent visible in Kafka messages and spans link across publish/consume.'),
    ).toBe('trace.propagation checks HTTP requests; this asks for trace context in kafka traffic');
    expect(manual('Endpoint: `GET /live` returns `{status: "alive"}`')).toMatch(
      /exact response body/,
    );
    expect(manual('Scaffold Helm chart with probes hitting /ready & /live')).toMatch(
      /manifests or charts/,
    );
    expect(manual('Add critical business-flow daily checks (not only `/health`).')).toMatch(
      /more than/,
    );
    expect(manual('Cache hit/miss metrics exposed')).toMatch(
      /not among the kit contract's families/,
    );
    expect(manual('Add `memory_wal_lag_seconds` metric and expose /metrics')).toMatch(
      /names metric family memory_wal_lag_seconds/,
    );
    expect(manual('Test: Verify error IDs correlate with logs')).toMatch(/needs a person/);
    expect(manual('Add `no-new-privileges` for core services')).toMatch(/whole security profile/);
  });

  it('never binds what no check measures, and says what is missing', () => {
    expect(manual('Performance: API latency p95 <200ms')).toBe(
      'no check measures load, latency or availability under traffic yet',
    );
    expect(manual('Backups run every hour')).toBe(
      'no check measures backups and restore drills yet',
    );
    expect(manual('Configure nginx with TLS termination')).toBe(
      'no check measures TLS, redirects or encryption yet',
    );
    expect(manual('Something nobody can measure')).toBe('no check measures this yet');
  });

  it('does not bind a check the registry lacks', () => {
    const withoutDrills = new CheckRegistry(
      BUILTIN_CHECKS.filter((c) => c.id !== 'drill.shutdown'),
    );
    const result = bindCriterion('Graceful shutdown completes within 30s', withoutDrills);
    expect(result).toEqual({
      kind: 'manual',
      reason: 'it matches drill.shutdown, which is not registered',
    });
  });
});
