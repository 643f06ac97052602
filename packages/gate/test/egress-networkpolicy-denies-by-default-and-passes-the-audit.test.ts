import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { audit } from '@bulwark/verify';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderNetworkPolicy } from '../src/egress/render-networkpolicy.js';
import { PolicyError } from '../src/errors.js';
import type { PolicyDocument } from '../src/policy/types.js';

const WORKLOAD = fileURLToPath(
  new URL('./fixtures/egress/tool-gate-workload.yaml', import.meta.url),
);
const work = mkdtempSync(join(tmpdir(), 'bw-egress-netpol-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const POLICY: PolicyDocument = {
  format: 'bulwark.policy/v1',
  gate: 'tool-gate',
  version: 7,
  expiresAt: '2030-01-01T00:00:00Z',
  defaultMode: 'PUB',
  modes: {
    PUB: { rules: [], egress: [{ id: 'docs', host: 'docs.example.com' }] },
    WORK: {
      rules: [],
      egress: [
        { id: 'openai', host: 'api.openai.com', schemes: ['https'] },
        { id: 'any-sub', host: '*.internal.example.com' },
        { id: 'corp-db', cidr: '10.20.0.0/16', ports: [5432, 443] },
        { id: 'v6-peer', cidr: '2001:db8::7', schemes: ['tcp'] },
        { id: 'web', cidr: '192.0.2.0/24', schemes: ['http', 'https'] },
      ],
    },
  },
};

const SELECTOR = { 'app.kubernetes.io/name': 'tool-gate' };

/** Audits the workload fixture with (or without) the rendered policy beside it. */
function auditWith(manifest: string | undefined, name: string) {
  const dir = join(work, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  copyFileSync(WORKLOAD, join(dir, 'workload.yaml'));
  if (manifest !== undefined) writeFileSync(join(dir, 'networkpolicy.yaml'), manifest);
  return audit({ paths: [dir], cwd: dir, waiversFile: false, kubectl: false });
}

describe('renderNetworkPolicy', () => {
  it('isolates the pods so `bulwark audit` passes, where the workload alone fails', () => {
    const alone = auditWith(undefined, 'alone');
    expect(alone.findings.map((finding) => finding.controlId)).toEqual(['BW-NETPOL-EGRESS']);

    const { yaml } = renderNetworkPolicy(POLICY, 'WORK', {
      namespace: 'bulwark',
      podSelector: SELECTOR,
    });
    const report = auditWith(yaml, 'with-policy');
    expect(report.objects).toBe(3);
    expect(report.findings).toEqual([]);
  });

  it('selecting other pods does not satisfy the audit', () => {
    const { yaml } = renderNetworkPolicy(POLICY, 'WORK', {
      namespace: 'bulwark',
      podSelector: { 'app.kubernetes.io/name': 'someone-else' },
    });
    expect(auditWith(yaml, 'other-pods').findings.map((f) => f.controlId)).toEqual([
      'BW-NETPOL-EGRESS',
    ]);
  });

  it('writes default-deny egress with DNS, and each cidr rule as an ipBlock on its TCP ports', () => {
    const { yaml } = renderNetworkPolicy(POLICY, 'WORK', {
      namespace: 'bulwark',
      podSelector: SELECTOR,
    });
    const manifest = parse(yaml);
    expect(manifest).toEqual({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: {
        name: 'bulwark-egress-work',
        namespace: 'bulwark',
        labels: { 'app.kubernetes.io/managed-by': 'bulwark' },
        annotations: {
          'bulwark.dev/gate': 'tool-gate',
          'bulwark.dev/policy-version': '7',
          'bulwark.dev/mode': 'WORK',
        },
      },
      spec: {
        podSelector: { matchLabels: SELECTOR },
        policyTypes: ['Egress'],
        egress: [
          {
            to: [
              {
                namespaceSelector: {
                  matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' },
                },
                podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
              },
            ],
            ports: [
              { protocol: 'UDP', port: 53 },
              { protocol: 'TCP', port: 53 },
            ],
          },
          {
            to: [{ ipBlock: { cidr: '10.20.0.0/16' } }],
            ports: [
              { protocol: 'TCP', port: 443 },
              { protocol: 'TCP', port: 5432 },
            ],
          },
          // A tcp rule without ports: every TCP port, and nothing else (no UDP).
          { to: [{ ipBlock: { cidr: '2001:db8::7/128' } }], ports: [{ protocol: 'TCP' }] },
          // http and https without ports: their default ports.
          {
            to: [{ ipBlock: { cidr: '192.0.2.0/24' } }],
            ports: [
              { protocol: 'TCP', port: 80 },
              { protocol: 'TCP', port: 443 },
            ],
          },
        ],
      },
    });
    // Kubernetes' own shape rules, checked here because `kubectl apply --dry-run=client` needs
    // an API server for its REST mapping even with --validate=false.
    expect(manifest.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    for (const rule of manifest.spec.egress) {
      for (const port of rule.ports) {
        expect(['TCP', 'UDP', 'SCTP']).toContain(port.protocol);
        if (port.port !== undefined) expect(Number.isInteger(port.port)).toBe(true);
      }
    }
  });

  it('lists host-name rules as unexpressible, in the result and at the top of the YAML', () => {
    const { yaml, unexpressible } = renderNetworkPolicy(POLICY, 'WORK');
    expect(unexpressible.map(({ ruleId, host }) => ({ ruleId, host }))).toEqual([
      { ruleId: 'openai', host: 'api.openai.com' },
      { ruleId: 'any-sub', host: '*.internal.example.com' },
    ]);
    for (const entry of unexpressible) {
      expect(entry.why).toMatch(/never by DNS name/);
      expect(entry.why).toMatch(/egress proxy/);
      expect(entry.why).toMatch(/toFQDNs/);
    }
    const header = yaml.slice(0, yaml.indexOf('apiVersion:'));
    expect(header).toContain('#   - rule openai: api.openai.com');
    expect(header).toContain('#   - rule any-sub: *.internal.example.com');
    expect(header).toMatch(/# Why: a NetworkPolicy selects destinations by IP block/);
    // Nothing about the hosts leaks into the spec as an allowance.
    expect(parse(yaml).spec.egress).toHaveLength(4);
  });

  it('a mode with only host rules still denies everything but DNS, and passes the audit', () => {
    const { yaml, unexpressible } = renderNetworkPolicy(POLICY, 'PUB', {
      namespace: 'bulwark',
      podSelector: SELECTOR,
    });
    expect(unexpressible).toHaveLength(1);
    expect(parse(yaml).spec.egress).toHaveLength(1);
    expect(auditWith(yaml, 'pub').findings).toEqual([]);
  });

  it('takes the name, the DNS selector, or no DNS at all', () => {
    const custom = parse(
      renderNetworkPolicy(POLICY, 'WORK', {
        name: 'gate-work',
        dnsSelector: {
          namespaceSelector: { 'kubernetes.io/metadata.name': 'dns' },
          podSelector: { app: 'coredns' },
        },
      }).yaml,
    );
    expect(custom.metadata.name).toBe('gate-work');
    expect(custom.metadata.namespace).toBeUndefined();
    expect(custom.spec.podSelector).toEqual({});
    expect(custom.spec.egress[0].to[0].podSelector).toEqual({ matchLabels: { app: 'coredns' } });

    const none = parse(renderNetworkPolicy(POLICY, 'PUB', { dnsSelector: false }).yaml);
    expect(none.spec).toEqual({ podSelector: {}, policyTypes: ['Egress'] });
  });

  it('refuses a mode the policy does not have', () => {
    expect(() => renderNetworkPolicy(POLICY, 'ROOT')).toThrow(PolicyError);
    expect(() => renderNetworkPolicy(POLICY, 'ROOT')).toThrow(/mode ROOT is not in policy/);
  });
});
