import { describe, expect, it } from 'vitest';
import { PolicyError } from '../src/errors.js';
import { compilePolicy } from '../src/policy/compile.js';
import { parsePolicy } from '../src/policy/load.js';
import type { PolicyDocument } from '../src/policy/types.js';
import { policyWith } from './fixtures/policy-documents.js';

const HEAD = `format: bulwark.policy/v1
gate: test-gate
version: 1
expiresAt: "2099-01-01T00:00:00Z"
defaultMode: PUB
`;

/** A policy whose WORK mode has the given YAML (indented under WORK:); PUB is empty. */
function withWork(work: string): string {
  return `${HEAD}modes:
  PUB:
    rules: []
    egress: []
  WORK:
${work
  .split('\n')
  .map((line) => `    ${line}`)
  .join('\n')}
`;
}

function errorOf(run: () => unknown): PolicyError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as PolicyError).code).toBe('BW_GATE_POLICY_INVALID');
    return error as PolicyError;
  }
  throw new Error('expected a PolicyError');
}

const parseError = (text: string) => errorOf(() => parsePolicy(text, 'policy.yaml')).message;

describe('schema errors name the file, line, column and field', () => {
  it('a wrong effect names the rule and lists the effects', () => {
    const text = withWork(`rules:
  - { id: a, tool: t, action: x, effect: allow }
  - { id: b, tool: t, action: x, effect: allow }
  - { id: c, tool: t, action: x, effect: allow }
  - id: d
    tool: t
    action: x
    effect: permit
egress: []`);
    expect(parseError(text)).toBe(
      'policy.yaml:18:9: modes.WORK.rules[3].effect: must be one of allow, deny, approval',
    );
  });

  it('an unknown field is shown where it is written', () => {
    const text = withWork(`rules:
  - id: a
    tool: t
    action: x
    effect: allow
    effects: deny
egress: []`);
    expect(parseError(text)).toBe(
      'policy.yaml:16:9: modes.WORK.rules[0].effects: unknown field "effects"',
    );
  });

  it('a missing field names its parent', () => {
    expect(parseError(withWork('rules: []'))).toBe(
      'policy.yaml:10:3: modes.WORK: missing required field "egress"',
    );
  });

  it('a lower-case mode name says what a mode name must be', () => {
    const text = `${HEAD}modes:
  PUB: { rules: [], egress: [] }
  WORK: { rules: [], egress: [] }
  work: { rules: [], egress: [] }
`;
    expect(parseError(text)).toMatch(
      /^policy\.yaml:9:3: modes\.work: "work" is not an allowed name: mode names are upper-case/,
    );
  });

  it('types are not coerced: a version in quotes is wrong', () => {
    expect(parseError(HEAD.replace('version: 1', 'version: "1"'))).toBe(
      'policy.yaml:3:1: version: must be integer',
    );
  });

  it('version, expiry and format are checked', () => {
    expect(parseError(HEAD.replace('version: 1', 'version: 0'))).toMatch(
      /^policy\.yaml:3:1: version: must be >= 1$/,
    );
    expect(parseError(HEAD.replace('"2099-01-01T00:00:00Z"', 'next year'))).toMatch(
      /^policy\.yaml:4:1: expiresAt: must match format "date-time"$/,
    );
    expect(parseError(HEAD.replace('bulwark.policy/v1', 'bulwark.policy/v2'))).toBe(
      'policy.yaml:1:1: format: must be bulwark.policy/v1',
    );
  });

  it('a * inside a pattern is refused', () => {
    const text = withWork(`rules:
  - id: a
    tool: t
    action: x
    effect: allow
    when: { subject: ["svc:*:admin"] }
egress: []`);
    expect(parseError(text)).toMatch(
      /^policy\.yaml:\d+:\d+: modes\.WORK\.rules\[0\]\.when\.subject\[0\]: must be an exact value, or a prefix ending in \*/,
    );
  });

  it('an argument condition of the wrong type names its union', () => {
    const text = withWork(`rules:
  - id: a
    tool: t
    action: x
    effect: allow
    when: { args: { n: { equals: [1] } } }
egress: []`);
    expect(parseError(text)).toMatch(
      /modes\.WORK\.rules\[0\]\.when\.args\.n\.equals: must be a string, number or boolean$/,
    );
  });
});

describe('semantic errors are located too', () => {
  it('PUB and WORK must exist', () => {
    const text = `${HEAD}modes:\n  PUB: { rules: [], egress: [] }\n`;
    expect(parseError(text)).toBe(
      'policy.yaml:6:1: modes: mode WORK is missing (every policy has PUB and WORK)',
    );
  });

  it('the default mode must be one of the modes', () => {
    const text = `${HEAD.replace('defaultMode: PUB', 'defaultMode: ADMIN')}modes:
  PUB: { rules: [], egress: [] }
  WORK: { rules: [], egress: [] }
`;
    expect(parseError(text)).toBe(
      'policy.yaml:5:1: defaultMode: ADMIN is not one of the modes (PUB, WORK)',
    );
  });

  it('rule ids are unique within a mode', () => {
    const text = withWork(`rules:
  - { id: a, tool: t, action: x, effect: allow }
  - { id: a, tool: t, action: y, effect: deny }
egress: []`);
    expect(parseError(text)).toBe(
      'policy.yaml:13:11: modes.WORK.rules[1].id: duplicate rule id a (also rules[0])',
    );
  });

  it('the same rule id may appear in two modes', () => {
    const rule = { id: 'a', tool: 't', action: 'x', effect: 'allow' } as const;
    expect(() =>
      compilePolicy(policyWith({ PUB: { rules: [rule] }, WORK: { rules: [rule] } })),
    ).not.toThrow();
  });

  it.each([
    [
      { host: 'a.example.com', cidr: '10.0.0.0/8' },
      'modes.WORK.egress[0]: an egress rule names exactly one of host and cidr',
    ],
    [{ ports: [443] }, 'modes.WORK.egress[0]: an egress rule names exactly one of host and cidr'],
    [
      { host: 'a.*.example.com' },
      'modes.WORK.egress[0].host: must be a lower-case host name, or *. and a host name for one label of wildcard',
    ],
    [{ host: '*.com' }, 'modes.WORK.egress[0].host: *.com wildcards a top-level domain (*.com)'],
    [
      { host: 'a..example.com' },
      'modes.WORK.egress[0].host: a..example.com has an empty label (a leading, trailing or doubled dot)',
    ],
    [
      { host: '10.0.0.1' },
      'modes.WORK.egress[0].host: 10.0.0.1 is an address: write it as a cidr rule',
    ],
    [
      { host: '-a.example.com' },
      'modes.WORK.egress[0].host: -a.example.com has an invalid label "-a" (letters, digits and inner dashes, at most 63)',
    ],
    [
      { cidr: '10.0.0.0/33' },
      'modes.WORK.egress[0].cidr: 10.0.0.0/33 is not an IPv4 or IPv6 address or network (10.0.0.0/8, 2001:db8::/32)',
    ],
    [
      { cidr: '10.0.0/8' },
      'modes.WORK.egress[0].cidr: 10.0.0/8 is not an IPv4 or IPv6 address or network (10.0.0.0/8, 2001:db8::/32)',
    ],
    [
      { cidr: '2001:db8::/129' },
      'modes.WORK.egress[0].cidr: 2001:db8::/129 is not an IPv4 or IPv6 address or network (10.0.0.0/8, 2001:db8::/32)',
    ],
  ])('egress rule %j is refused by compilePolicy with its path', (rule, message) => {
    const document = policyWith({ WORK: { egress: [rule] } });
    expect(errorOf(() => compilePolicy(document)).message).toBe(`invalid policy: ${message}`);
    expect(parseError(JSON.stringify(document, null, 2))).toContain(message);
  });

  it('an upper-case host and an out-of-range port are refused by the schema', () => {
    const upper = policyWith({ WORK: { egress: [{ host: 'API.example.com' }] } });
    expect(errorOf(() => compilePolicy(upper)).message).toMatch(
      /modes\.WORK\.egress\[0\]\.host: must be a lower-case host name/,
    );
    const port = policyWith({ WORK: { egress: [{ host: 'api.example.com', ports: [0] }] } });
    expect(errorOf(() => compilePolicy(port)).message).toBe(
      'invalid policy: modes.WORK.egress[0].ports[0]: must be >= 1',
    );
  });

  it('a document built in code is validated by compilePolicy', () => {
    const bad = policyWith({
      WORK: { rules: [{ id: 'a', tool: 't', action: 'x', effect: 'maybe' as 'allow' }] },
    });
    expect(errorOf(() => compilePolicy(bad)).message).toBe(
      'invalid policy: modes.WORK.rules[0].effect: must be one of allow, deny, approval',
    );
    const inverted = policyWith({
      WORK: {
        rules: [
          {
            id: 'a',
            tool: 't',
            action: 'x',
            effect: 'allow',
            when: { args: { n: { min: 5, max: 1 } } },
          },
        ],
      },
    });
    expect(errorOf(() => compilePolicy(inverted)).message).toBe(
      'invalid policy: modes.WORK.rules[0].when.args.n: min 5 is greater than max 1: nothing can match',
    );
    expect(errorOf(() => compilePolicy({} as PolicyDocument)).message).toBe(
      'invalid policy: policy: missing required field "format"',
    );
  });
});
