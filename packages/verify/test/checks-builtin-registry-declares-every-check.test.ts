import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { defaultRegistry } from '../src/checks/builtin.js';
import type { AnyCheckPlugin } from '../src/checks/check.js';

/** Plans and the markdown importer bind checks by these ids and params: they must not drift. */
describe('defaultRegistry', () => {
  const registry = defaultRegistry();
  const defaults = (id: string, params: Record<string, unknown> = {}) => {
    const plugin = registry.get(id);
    if (!plugin) throw new Error(`no ${id}`);
    const value = Value.Default(plugin.params, structuredClone(params));
    return { valid: Value.Check(plugin.params, value), value };
  };

  it('holds the built-in checks under their ids, with scope and kinds', () => {
    expect(registry.list().map((p) => [p.id, p.scope, p.kinds ?? null])).toEqual([
      ['api.versioned', 'service', ['http', 'ledger', 'tool-gate']],
      ['audit.controls', 'environment', null],
      ['auth.enforced', 'service', ['http']],
      ['drill.dependency', 'service', ['http', 'worker', 'ledger', 'tool-gate']],
      ['drill.kill', 'service', ['http', 'worker', 'ledger', 'tool-gate']],
      ['drill.load', 'service', ['http', 'ledger', 'tool-gate']],
      ['drill.restore', 'environment', null],
      ['drill.shutdown', 'service', ['http', 'worker', 'ledger', 'tool-gate']],
      ['drill.soak', 'service', ['http', 'ledger', 'tool-gate']],
      ['embeddings.canary', 'service', ['http']],
      ['errors.problem-json', 'service', ['http', 'ledger', 'tool-gate']],
      ['errors.sanitized', 'service', ['http', 'ledger', 'tool-gate']],
      ['gate.egress-denied', 'service', ['tool-gate']],
      ['gate.mode', 'service', ['tool-gate']],
      ['gate.policy', 'service', ['tool-gate']],
      ['gate.transitions-signed', 'service', ['tool-gate']],
      ['headers.security', 'service', ['http', 'ledger', 'tool-gate']],
      ['ledger.verify', 'service', ['ledger']],
      ['manual.attestation', 'environment', null],
      ['metrics.contract', 'service', ['http', 'worker', 'ledger', 'tool-gate']],
      ['openapi.served', 'service', ['http', 'ledger', 'tool-gate']],
      ['openapi.snapshot', 'service', ['http', 'ledger', 'tool-gate']],
      ['probe.contract', 'service', ['http', 'worker', 'ledger', 'tool-gate']],
      ['probe.latency', 'service', ['http', 'worker', 'ledger', 'tool-gate']],
      ['ratelimit.enforced', 'service', ['http']],
      ['tls.certificate', 'service', ['http', 'ledger', 'tool-gate']],
      ['tls.redirect', 'environment', null],
      ['trace.propagation', 'service', ['http', 'worker', 'ledger', 'tool-gate']],
    ]);
    for (const plugin of registry.list()) expect(plugin.description).not.toBe('');
  });

  it('fills in the documented defaults', () => {
    expect(defaults('probe.contract')).toEqual({ valid: true, value: { samples: 5 } });
    expect(defaults('probe.latency', { p95Ms: 200 })).toEqual({
      valid: true,
      value: { p95Ms: 200, samples: 20, endpoints: ['/live', '/ready'] },
    });
    expect(defaults('api.versioned')).toEqual({ valid: true, value: { prefix: '/v1' } });
    expect(defaults('audit.controls')).toEqual({ valid: true, value: { profile: 'all' } });
    expect(defaults('metrics.contract')).toEqual({ valid: true, value: {} });
  });

  it('refuses missing thresholds, unknown and out-of-range params', () => {
    expect(defaults('probe.latency').valid).toBe(false);
    expect(defaults('drill.shutdown').valid).toBe(false);
    expect(defaults('drill.shutdown', { maxMs: 30000 }).valid).toBe(true);
    expect(defaults('probe.contract', { samples: 0 }).valid).toBe(false);
    expect(defaults('trace.propagation', { extra: 1 }).valid).toBe(false);
    expect(defaults('audit.controls', { profile: 'fast' }).valid).toBe(false);
    expect(defaults('api.versioned', { prefix: 'v1' }).valid).toBe(false);
    expect(defaults('probe.latency', { p95Ms: 200, endpoints: ['live'] }).valid).toBe(false);
  });

  it('gives each call its own registry, so registering a team check leaves others alone', () => {
    const mine = defaultRegistry();
    mine.register({ ...(mine.get('trace.propagation') as AnyCheckPlugin), id: 'team.custom' });
    expect(mine.get('team.custom')).toBeDefined();
    expect(defaultRegistry().get('team.custom')).toBeUndefined();
  });
});
