import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { expectOneLineFailure, runCli } from './run-cli.js';

/**
 * The tool gate commands that need no gate: decisions from a policy file, egress rules rendered
 * for Kubernetes and nftables, and the input checks of the signing commands.
 */
const REFERENCE_POLICY = fileURLToPath(
  new URL('../../../services/tool-gate/policy/reference.policy.yaml', import.meta.url),
);

/** Typed arguments, and egress with no name to resolve over the network (localhost is in /etc/hosts). */
const LOCAL_POLICY = `format: bulwark.policy/v1
gate: tool-gate
version: 1
expiresAt: "2030-01-01T00:00:00Z"
defaultMode: PUB
modes:
  PUB:
    rules:
      - id: small-pages
        tool: items
        action: list
        effect: allow
        when:
          args:
            limit: { max: 10 }
    egress:
      - id: cluster
        cidr: 10.0.0.0/8
        ports: [443]
      - id: local-name
        host: localhost
        ports: [8080]
  WORK:
    rules: []
    egress: []
`;

let work: string;
let keysDir: string;
let localPolicy: string;
const startDir = process.cwd();

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'bw-gate-tool-offline-'));
  keysDir = join(work, 'keys');
  localPolicy = join(work, 'local.policy.yaml');
  writeFileSync(localPolicy, LOCAL_POLICY);
  // sign-bundle keeps its audit log under ./.bulwark/state, and promote reads ./bulwark.plan.yaml:
  // a working directory of the test's own.
  process.chdir(work);
});

afterAll(() => {
  process.chdir(startDir);
  rmSync(work, { recursive: true, force: true });
});

const cli = (...args: string[]) =>
  runCli(args, { BULWARK_KEYS_DIR: keysDir, BULWARK_TOOL_GATE_URL: undefined });

/** A copy of the reference policy with one line replaced. */
function referenceWith(from: RegExp, to: string, name: string): string {
  const file = join(work, name);
  const text = readFileSync(REFERENCE_POLICY, 'utf8');
  expect(text).toMatch(from);
  writeFileSync(file, text.replace(from, to));
  return file;
}

describe('bulwark gate decide --policy (offline)', () => {
  const decide = (mode: string, ...args: string[]) =>
    cli('gate', 'decide', '--policy', REFERENCE_POLICY, '--mode', mode, ...args);

  it('exits 0 on allow and 1 on deny or approval', async () => {
    const allow = await decide(
      'WORK',
      '--tool',
      'web',
      '--action',
      'fetch',
      '--resource',
      'https://example.com/a',
    );
    expect(allow.code, allow.stderr).toBe(0);
    expect(allow.stdout).toMatch(/^ALLOW {2}web\.fetch in WORK: .*fetch-allow-listed/);

    const deny = await decide(
      'PUB',
      '--tool',
      'web',
      '--action',
      'fetch',
      '--resource',
      'https://example.com/a',
    );
    expect(deny.code).toBe(1);
    expect(deny.stdout).toBe(
      'DENY  web.fetch in PUB: denied by rule no-fetch-in-pub: PUB mode fetches nothing from the network\n',
    );

    const approval = await decide('WORK', '--tool', 'shell', '--action', 'exec');
    expect(approval.code).toBe(1);
    expect(approval.stdout).toMatch(
      /^APPROVAL {2}shell\.exec in WORK: .*shell-needs-approval.*: shell commands need an operator's approval\n$/,
    );

    const json = await decide('WORK', '--tool', 'shell', '--action', 'exec', '--format', 'json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      allow: false,
      effect: 'approval',
      ruleId: 'shell-needs-approval',
      mode: 'WORK',
      policyVersion: 1,
    });

    // Without --mode, the policy's default mode (PUB) decides.
    const byDefault = await cli(
      'gate',
      'decide',
      '--policy',
      REFERENCE_POLICY,
      '--tool',
      'web',
      '--action',
      'fetch',
      '--resource',
      'https://example.com/a',
    );
    expect(byDefault.code).toBe(1);
    expect(byDefault.stdout).toContain(' in PUB: ');
  });

  it('types --arg values: numbers are numbers', async () => {
    const list = (...args: string[]) =>
      cli(
        'gate',
        'decide',
        '--policy',
        localPolicy,
        '--tool',
        'items',
        '--action',
        'list',
        ...args,
      );
    // `max` holds only for a number: "5" as a string would be denied.
    expect((await list('--arg', 'limit=5')).code).toBe(0);
    expect((await list('--arg', 'limit=50')).code).toBe(1);
    expect((await list('--arg', 'limit=five')).code).toBe(1);
    expect((await list()).code).toBe(1);
    expectOneLineFailure(await list('--arg', 'limit'), /--arg "limit": expected name=value/);
  });

  it('exits 2 with one line for an unknown mode or an invalid policy file', async () => {
    expectOneLineFailure(
      await decide('PARTY', '--tool', 'items', '--action', 'read'),
      /reference\.policy\.yaml has no mode PARTY; its modes: PUB, WORK/,
    );
    const invalid = referenceWith(
      /^defaultMode: PUB$/m,
      'defaultMode: [PUB]',
      'invalid.policy.yaml',
    );
    expectOneLineFailure(
      await cli('gate', 'decide', '--policy', invalid, '--tool', 'items', '--action', 'read'),
      /invalid\.policy\.yaml:9:\d+: .*defaultMode/,
    );
    expectOneLineFailure(
      await cli(
        'gate',
        'decide',
        '--policy',
        join(work, 'missing.yaml'),
        '--tool',
        'a',
        '--action',
        'b',
      ),
      /cannot read .*missing\.yaml: ENOENT/,
    );
  });
});

describe('bulwark gate render', () => {
  it('renders a NetworkPolicy, naming the host rule it cannot express on stderr', async () => {
    const run = await cli(
      'gate',
      'render',
      'networkpolicy',
      '--policy',
      REFERENCE_POLICY,
      '--mode',
      'WORK',
      '--namespace',
      'agents',
    );
    expect(run.code, run.stderr).toBe(0);
    const manifest = parse(run.stdout);
    expect(manifest).toMatchObject({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'bulwark-egress-work', namespace: 'agents' },
      spec: { podSelector: {}, policyTypes: ['Egress'] },
    });
    // DNS, then the loopback cidr rule; example.com is a name, which a NetworkPolicy cannot hold.
    const cidrs = manifest.spec.egress.flatMap((e: { to: { ipBlock?: { cidr: string } }[] }) =>
      e.to.flatMap((to) => (to.ipBlock ? [to.ipBlock.cidr] : [])),
    );
    expect(cidrs).toEqual(['127.0.0.0/8']);
    expect(run.stderr).toMatch(/^not expressible in a NetworkPolicy: example\.com: /);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);

    // PUB allows no egress: only DNS is left.
    const pub = await cli(
      'gate',
      'render',
      'networkpolicy',
      '--policy',
      REFERENCE_POLICY,
      '--name',
      'locked',
    );
    expect(pub.code, pub.stderr).toBe(0);
    expect(parse(pub.stdout)).toMatchObject({
      metadata: { name: 'locked' },
      spec: { policyTypes: ['Egress'] },
    });
    expect(pub.stderr).toBe('');
  });

  it('renders an nftables ruleset that drops by default, and its refresh', async () => {
    const run = await cli('gate', 'render', 'nftables', '--policy', localPolicy, '--mode', 'PUB');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^#!\/usr\/sbin\/nft -f\n/);
    expect(run.stdout).toContain('type filter hook output priority 0; policy drop;');
    expect(run.stdout).toContain('table inet bulwark_egress {');
    expect(run.stdout).toContain('10.0.0.0/8');

    const named = await cli(
      'gate',
      'render',
      'nftables',
      '--policy',
      localPolicy,
      '--name',
      'agents_egress',
    );
    expect(named.stdout).toContain('table inet agents_egress {');

    const refresh = await cli('gate', 'render', 'nftables', '--policy', localPolicy, '--refresh');
    expect(refresh.code, refresh.stderr).toBe(0);
    expect(refresh.stdout).toMatch(/^# Refill of the host sets of mode PUB/);
    expect(refresh.stdout).toMatch(/^flush set inet bulwark_egress \S+$/m);
    // The refresh touches only the host sets: no table, no chain.
    expect(refresh.stdout).not.toContain('policy drop');
  });

  it('writes to --out instead of stdout', async () => {
    const out = join(work, 'egress.nft');
    const run = await cli(
      'gate',
      'render',
      'nftables',
      '--policy',
      REFERENCE_POLICY,
      '--mode',
      'PUB',
      '--out',
      out,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`wrote ${out}\n`);
    expect(readFileSync(out, 'utf8')).toContain('policy drop;');
  });

  it('exits 2 for an unknown target, an unknown mode, or an invalid policy', async () => {
    expectOneLineFailure(
      await cli('gate', 'render', 'iptables', '--policy', REFERENCE_POLICY),
      /unknown target "iptables"; use networkpolicy or nftables/,
    );
    expectOneLineFailure(
      await cli('gate', 'render', 'nftables', '--policy', REFERENCE_POLICY, '--mode', 'PARTY'),
      /has no mode PARTY/,
    );
    const invalid = referenceWith(/^version: 1$/m, 'version: one', 'bad-version.policy.yaml');
    expectOneLineFailure(
      await cli('gate', 'render', 'networkpolicy', '--policy', invalid),
      /bad-version\.policy\.yaml:7:\d+: .*version/,
    );
  });
});

describe('the signing commands refuse bad input before signing', () => {
  it('sign-bundle exits 2 on an invalid policy, naming its place', async () => {
    const invalid = referenceWith(/^gate: tool-gate$/m, 'gate: ""', 'no-gate.policy.yaml');
    const run = await cli('gate', 'sign-bundle', invalid);
    expectOneLineFailure(run, /no-gate\.policy\.yaml:6:\d+: /);
    expect(() => readFileSync(join(work, 'no-gate.policy.bundle.json'))).toThrow(/ENOENT/);
  });

  it('request-transition exits 2 on a bad --ttl or --counter, before asking any gate', async () => {
    const request = (...args: string[]) =>
      cli(
        'gate',
        'request-transition',
        '--to',
        'WORK',
        '--reason',
        'r',
        '--requester',
        'alice',
        '--out',
        join(work, 'req.json'),
        ...args,
      );
    expectOneLineFailure(
      await request('--counter', '1', '--ttl', 'soon'),
      /--ttl "soon": expected a duration such as 15m or 1h/,
    );
    // No --counter: the gate would be asked (and is not running), but the bad --ttl is found first.
    expectOneLineFailure(await request('--ttl', '0s'), /--ttl "0s": expected a duration/);
    expectOneLineFailure(
      await request('--counter', '0'),
      /--counter must be a whole number of at least 1, not "0"/,
    );
    expectOneLineFailure(
      await request('--gate-url', 'tool-gate:8083'),
      /--gate-url "tool-gate:8083": expected an http\(s\) URL/,
    );

    const written = await request('--counter', '7', '--ttl', '1h');
    expect(written.code, written.stderr).toBe(0);
    const body = JSON.parse(readFileSync(join(work, 'req.json'), 'utf8')).body;
    expect(body.counter).toBe(7);
    expect(Date.parse(body.expiresAt) - Date.parse(body.notBefore)).toBe(3_600_000);
  });

  it('approve exits 2 on a file that is not a transition request', async () => {
    const file = join(work, 'not-a-request.json');
    writeFileSync(file, JSON.stringify({ format: 'bulwark.policy-bundle/v1' }));
    expectOneLineFailure(await cli('gate', 'approve', file), /BW_GATE|not a .*transition/);
    writeFileSync(file, 'not json');
    expectOneLineFailure(await cli('gate', 'approve', file), /not-a-request\.json is not JSON/);
  });
});

describe('bulwark gate help and the default promote subcommand', () => {
  it.each([
    ['sign-bundle', /Example:\n {2}bulwark gate sign-bundle /],
    ['request-transition', /Example:\n {2}bulwark gate request-transition /],
    ['approve', /Example:\n {2}bulwark gate approve /],
    ['apply', /Examples:\n {2}bulwark gate apply /],
    ['status', /Examples:\n {2}bulwark gate status/],
    ['decide', /Example:\n {2}bulwark gate decide /],
    ['render', /Examples:\n {2}bulwark gate render networkpolicy /],
    ['promote', /Examples:\n {2}bulwark gate --plan bulwark\.plan\.yaml --to staging/],
  ])('gate %s --help exits 0 with its examples', async (name, examples) => {
    const run = await cli('gate', name, '--help');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^Usage: bulwark gate ${name} `));
    expect(run.stdout).toMatch(examples);
    expect(run.stderr).toBe('');
  });

  it('gate --help lists the promotion and tool gate subcommands', async () => {
    const run = await cli('gate', '--help');
    expect(run.code).toBe(0);
    for (const name of [
      'sign-bundle',
      'request-transition',
      'approve',
      'apply',
      'status',
      'decide',
      'render',
      'promote',
    ]) {
      expect(run.stdout).toMatch(new RegExp(`^ {2}${name}\\b`, 'm'));
    }
  });

  it('`bulwark gate --to staging` is still the promotion gate', async () => {
    // No bulwark.plan.yaml in this working directory: the promotion gate's own error.
    expectOneLineFailure(
      await cli('gate', '--to', 'staging'),
      /bulwark\.plan\.yaml: cannot read the plan/,
    );
    expectOneLineFailure(
      await cli('gate', 'promote', '--to', 'staging'),
      /bulwark\.plan\.yaml: cannot read the plan/,
    );
    const missing = await cli('gate');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/required option '--to <env>' not specified/);
  });
});
