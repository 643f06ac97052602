import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compilePolicy } from '../src/policy/compile.js';
import { parsePolicy } from '../src/policy/load.js';
import { policyWith } from './fixtures/policy-documents.js';

const YAML_ONE = `format: bulwark.policy/v1
gate: g
version: 3
expiresAt: "2099-01-01T00:00:00Z"
defaultMode: PUB
modes:
  PUB:
    rules:
      - { id: r, tool: items, action: read, effect: allow, when: { subject: ["svc:*"] } }
    egress: [{ host: api.example.com, ports: [443] }]
  WORK: { rules: [], egress: [] }
`;

// The same document: keys in another order, flow style swapped, comments, JSON spelling.
const YAML_TWO = `# reordered
modes:
  WORK: { egress: [], rules: [] }
  PUB:
    egress:
      - ports: [443]
        host: api.example.com
    rules:
      - when:
          subject: ["svc:*"]
        effect: allow
        action: read
        tool: items
        id: r
defaultMode: PUB
expiresAt: "2099-01-01T00:00:00Z"
version: 3
gate: g
format: bulwark.policy/v1
`;

describe('the policy digest', () => {
  it('is the SHA-256 of the RFC 8785 canonical JSON', () => {
    const policy = compilePolicy(parsePolicy(YAML_ONE, 'one.yaml'));
    const canonical =
      '{"defaultMode":"PUB","expiresAt":"2099-01-01T00:00:00Z","format":"bulwark.policy/v1","gate":"g",' +
      '"modes":{"PUB":{"egress":[{"host":"api.example.com","ports":[443]}],"rules":[{"action":"read",' +
      '"effect":"allow","id":"r","tool":"items","when":{"subject":["svc:*"]}}]},"WORK":{"egress":[],"rules":[]}},' +
      '"version":3}';
    expect(policy.digest).toBe(createHash('sha256').update(canonical).digest('hex'));
  });

  it('does not depend on key order, layout or spelling', () => {
    const one = compilePolicy(parsePolicy(YAML_ONE, 'one.yaml'));
    const two = compilePolicy(parsePolicy(YAML_TWO, 'two.yaml'));
    const json = compilePolicy(parsePolicy(JSON.stringify(one.document, null, 4), 'one.json'));
    expect(two.digest).toBe(one.digest);
    expect(json.digest).toBe(one.digest);
  });

  it('changes with any change that matters, including rule order', () => {
    const base = compilePolicy(parsePolicy(YAML_ONE, 'one.yaml')).digest;
    const bumped = compilePolicy(
      parsePolicy(YAML_ONE.replace('version: 3', 'version: 4'), 'x'),
    ).digest;
    const port = compilePolicy(parsePolicy(YAML_ONE.replace('[443]', '[8443]'), 'x')).digest;
    expect(new Set([base, bumped, port]).size).toBe(3);
    const a = { id: 'a', tool: 't', action: 'x', effect: 'allow' } as const;
    const b = { id: 'b', tool: 't', action: 'y', effect: 'allow' } as const;
    expect(compilePolicy(policyWith({ WORK: { rules: [a, b] } })).digest).not.toBe(
      compilePolicy(policyWith({ WORK: { rules: [b, a] } })).digest,
    );
  });

  it('the compiled document is a frozen copy: later changes to the input change nothing', () => {
    const input = structuredClone(
      policyWith({ WORK: { rules: [{ id: 'a', tool: 't', action: 'x', effect: 'allow' }] } }),
    );
    const policy = compilePolicy(input);
    (input.modes.WORK?.rules[0] as { effect: string }).effect = 'deny';
    expect(policy.document.modes.WORK?.rules[0]?.effect).toBe('allow');
    expect(policy.evaluate('WORK', { tool: 't', action: 'x', subject: 's' }).allow).toBe(true);
    expect(Object.isFrozen(policy.document.modes.WORK?.rules[0])).toBe(true);
    expect(policy.digest).toBe(compilePolicy(policy.document).digest);
  });
});
