import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@bulwark/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The verifier's own fixture fleet: a healthy kit service and deliberately broken ones, in one
// real process (see packages/verify/test/processes/kit-fleet.ts).
import { type Fleet, startFleet } from '../../verify/test/checks-harness.js';
import { expectOneLineFailure, runCli } from './run-cli.js';

let fleet: Fleet;
let closedPort: number;
const dir = mkdtempSync(join(tmpdir(), 'bw-verify-cli-'));
const plan = join(dir, 'bulwark.plan.yaml');
const evidence = join(dir, 'evidence');
const env = { BULWARK_KEYS_DIR: join(dir, 'keys'), NODE_ENV: 'test' };

beforeAll(async () => {
  [fleet, closedPort] = await Promise.all([startFleet(), freePort()]);
  writeFileSync(
    plan,
    `format: bulwark.plan/v1
name: cli test plan
environments:
  dev:
    services:
      - { name: orders, url: "${fleet.healthy}", kind: http }
  broken:
    services:
      - { name: orders, url: "${fleet.readyChecksNothing}", kind: http }
  down:
    services:
      - { name: orders, url: "http://127.0.0.1:${closedPort}", kind: http }
criteria:
  - id: health.probes
    text: /live, /startup, /ready and /health answer per the contract
    checks: [{ check: probe.contract, with: { samples: 2 } }]
  - id: health.latency
    text: /ready and /live within 200ms
    # A sanity bound, not a benchmark: the machine is shared with other tests.
    checks: [{ check: probe.latency, with: { p95Ms: 5000, samples: 5 } }]
  - id: errors.sanitized
    text: errors are problem+json without stack traces
    checks: [{ check: errors.problem-json }]
  - id: restore.drill
    text: restore drill under RTO
    required: false
gates:
  staging: { from: dev, require: all, maxEvidenceAge: 1h }
`,
  );
});

afterAll(async () => {
  await fleet?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const verify = (...args: string[]) =>
  runCli(['verify', '--plan', plan, '--evidence-dir', evidence, ...args], env);

describe('bulwark verify', () => {
  it('passes a healthy service, writes a signed bundle with reports, and the gate lets it through', async () => {
    const run = await verify('--env', 'dev', '--format', 'json');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.ok).toBe(true);
    expect(result.signedBy).toBe('evidence/v1');
    expect(result.criteria.map((c: { id: string; verdict: string }) => [c.id, c.verdict])).toEqual([
      ['health.probes', 'pass'],
      ['health.latency', 'pass'],
      ['errors.sanitized', 'pass'],
      ['restore.drill', 'manual'],
    ]);
    const bundle = join(process.cwd(), result.bundle);
    for (const file of ['bundle.json', 'bundle.sig.json', 'report.html', 'report.junit.xml']) {
      expect(existsSync(join(bundle, file)), file).toBe(true);
    }
    expect(readFileSync(join(bundle, 'report.junit.xml'), 'utf8')).toContain('tests="4"');

    const checked = await runCli(['evidence', 'verify', bundle], env);
    expect(checked.code, checked.stdout + checked.stderr).toBe(0);
    const gate = await runCli(
      ['gate', '--plan', plan, '--to', 'staging', '--evidence-dir', evidence],
      env,
    );
    expect(gate.code, gate.stdout + gate.stderr).toBe(0);
  });

  it('prints the tracker, the bundle and the report path on the console', async () => {
    const run = await verify('--env', 'dev', '--only', 'health.probes');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/pass\s+health\.probes/);
    expect(run.stdout).toMatch(/^evidence: .+ \(signed by evidence\/v1, sha256 [0-9a-f]{16}…\)$/m);
    expect(run.stdout).toMatch(/^report: {3}.+report\.html$/m);
    expect(run.stdout).not.toContain('\x1b[');
  });

  it('fails (exit 1) a service whose /ready checks nothing, naming the check', async () => {
    const run = await verify('--env', 'broken', '--format', 'json');
    expect(run.code).toBe(1);
    const probes = JSON.parse(run.stdout).criteria.find(
      (c: { id: string }) => c.id === 'health.probes',
    );
    expect(probes.verdict).toBe('fail');
    expect(probes.reason).toMatch(/^probe\.contract on orders: .*ready/);
  });

  it('fails (exit 1, not a crash) when the service is not there at all', async () => {
    const run = await verify('--env', 'down');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/refused|ECONNREFUSED/i);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses an unknown environment, and a plan with several when none is named, with one line and exit 2', async () => {
    expectOneLineFailure(
      await verify('--env', 'prod'),
      /^bulwark: unknown environment "prod"; .* has dev, broken, down\n$/,
    );
    expectOneLineFailure(
      await verify(),
      /^bulwark: the plan has environments dev, broken, down: name one with --env\n$/,
    );
  });

  it('refuses an invalid plan with one line naming the place in the file', async () => {
    const bad = join(dir, 'bad.plan.yaml');
    writeFileSync(bad, readFileSync(plan, 'utf8').replace('p95Ms: 5000', 'p95Ms: fast'));
    expectOneLineFailure(
      await runCli(['verify', '--plan', bad, '--env', 'dev'], env),
      /^bulwark: .*bad\.plan\.yaml:\d+:\d+: criteria\[1\]\.checks\[0\]\.with\.p95Ms: probe\.latency: must be number\n$/,
    );
    expectOneLineFailure(
      await runCli(['verify', '--plan', join(dir, 'none.yaml')], env),
      /cannot read the plan \(no such file\)/,
    );
  });

  it('refuses an unknown criterion in --only', async () => {
    expectOneLineFailure(
      await verify('--env', 'dev', '--only', 'nope'),
      /^bulwark: no criterion has id nope\n$/,
    );
  });

  it('lists the checks a plan can bind', async () => {
    const run = await runCli(['verify', '--list-checks', '--format', 'json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).map((c: { id: string }) => c.id)).toContain('probe.latency');
  });
});
