import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
// The verifier's fixture services and harness: a real kit service in its own process.
import { type Running, startFixture } from '../../verify/test/checks-harness.js';
import { expectOneLineFailure, runCli } from './run-cli.js';

const TRAFFIC = fileURLToPath(
  new URL('../../verify/test/processes/drill-traffic-service.ts', import.meta.url),
);
const dir = mkdtempSync(join(tmpdir(), 'bw-drill-cli-'));
const plan = join(dir, 'bulwark.plan.yaml');
const evidence = join(dir, 'evidence');
const env = { BULWARK_KEYS_DIR: join(dir, 'keys'), NODE_ENV: 'test' };
let service: Running;

beforeAll(async () => {
  service = await startFixture(TRAFFIC);
  writeFileSync(
    plan,
    `format: bulwark.plan/v1
name: drill cli plan
environments:
  dev:
    services:
      - { name: api, url: "${service.url}", kind: http }
criteria:
  - id: capacity
    text: The API holds its SLO under load
    checks:
      - check: drill.load
        with: { path: /v1/items, connections: 2, durationMs: 600, p95Ms: 5000, maxErrorRate: 0 }
        cadence: 7d
  - id: capacity.slow
    text: The slow path answers within 5 ms
    checks:
      - check: drill.load
        with: { path: /v1/slow, connections: 1, durationMs: 400, p50Ms: 5 }
  - id: health.probes
    text: probes answer
    checks: [{ check: probe.contract, with: { samples: 1 } }]
  - id: shutdown
    text: graceful shutdown
    checks: [{ check: drill.shutdown, with: { maxMs: 30000 }, cadence: 30d }]
`,
  );
});
afterAll(async () => {
  await service?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const drill = (...args: string[]) =>
  runCli(['drill', ...args, '--plan', plan, '--evidence-dir', evidence], env);

describe('bulwark drill NAME', () => {
  it('runs only the criteria that bind the drill, signs the bundle, and exits 1 when one fails', async () => {
    const run = await drill('load', '--env', 'dev', '--format', 'json');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const result = JSON.parse(run.stdout);
    expect(result.signedBy).toBe('evidence/v1');
    expect(result.criteria.map((c: { id: string; verdict: string }) => [c.id, c.verdict])).toEqual([
      ['capacity', 'pass'],
      ['capacity.slow', 'fail'],
    ]);
    expect(result.criteria[1].reason).toMatch(
      /^drill\.load on api: GET \/v1\/slow: p50 [\d.]+ ms > 5 ms/,
    );
    const bundle = join(process.cwd(), result.bundle);
    for (const file of ['bundle.json', 'bundle.sig.json', 'report.html', 'report.junit.xml']) {
      expect(existsSync(join(bundle, file)), file).toBe(true);
    }
    const checked = await runCli(['evidence', 'verify', bundle], env);
    expect(checked.code, checked.stdout + checked.stderr).toBe(0);
  });

  it('prints the console report, and plan status shows the drill against its cadence', async () => {
    const run = await drill('load');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/pass\s+capacity\b/);
    expect(run.stdout).toMatch(/^evidence: .+ \(signed by evidence\/v1, sha256 [0-9a-f]{16}…\)$/m);

    const status = await runCli(
      ['plan', 'status', plan, '--evidence-dir', evidence, '--format', 'json'],
      env,
    );
    expect(status.code, status.stderr).toBe(0);
    const rows = JSON.parse(status.stdout).criteria;
    expect(rows[0].cadences).toEqual([
      expect.objectContaining({ check: 'drill.load', cadence: '7d', stale: false }),
    ]);
    // drill.shutdown did not run in that bundle: stale, and the table says so.
    expect(rows[3].cadences).toEqual([
      expect.objectContaining({ check: 'drill.shutdown', cadence: '30d', stale: true }),
    ]);
    const table = await runCli(['plan', 'status', plan, '--evidence-dir', evidence], env);
    expect(table.stdout).toContain('stale: drill.shutdown not run, cadence 30d');
  });

  it('refuses an unknown drill, a plan without it, and a missing name, with one line and exit 2', async () => {
    expectOneLineFailure(
      await drill('chaos'),
      /^bulwark: unknown drill "chaos"; the drills are .*load.*shutdown.*soak/,
    );
    expectOneLineFailure(
      await drill('soak'),
      /^bulwark: .*bulwark\.plan\.yaml has no criterion that binds drill\.soak: add one with checks: \[\{ check: drill\.soak \}\]\n$/,
    );
    expectOneLineFailure(
      await drill(),
      /^bulwark: name a drill \(bulwark drill --list shows them\), or schedule\n$/,
    );
    expectOneLineFailure(
      await drill('load', '--env', 'prod'),
      /^bulwark: unknown environment "prod"/,
    );
    expectOneLineFailure(
      await drill('load', '--format', 'systemd'),
      /--format systemd is for bulwark drill schedule/,
    );
    expectOneLineFailure(await drill('load', '--out', dir), /--out is for bulwark drill schedule/);
  });

  it('exits 130 when interrupted, recording what it had', async () => {
    const long = join(dir, 'long.plan.yaml');
    writeFileSync(
      long,
      readFileSync(plan, 'utf8').replace(
        'durationMs: 600, p95Ms: 5000',
        'durationMs: 60000, p95Ms: 5000',
      ),
    );
    setTimeout(() => process.emit('SIGINT'), 800);
    const t0 = performance.now();
    const run = await runCli(
      ['drill', 'load', '--plan', long, '--evidence-dir', evidence, '--format', 'json'],
      env,
    );
    expect(run.code).toBe(130);
    expect(performance.now() - t0).toBeLessThan(30_000);
    expect(run.stderr).toContain('interrupted');
    const verdicts = JSON.parse(run.stdout).criteria.map((c: { verdict: string }) => c.verdict);
    expect(verdicts).toEqual(['skip', 'skip']);
  });
});

describe("a team's drill, from the plan's plugins", () => {
  it('runs and lists like a built-in one', async () => {
    writeFileSync(
      join(dir, 'team-drill.mjs'),
      `export default {
  id: 'drill.failover',
  description: 'fails the primary over to the replica',
  params: { type: 'object', additionalProperties: false },
  scope: 'environment',
  async run() { return { status: 'pass', summary: 'failed over in 1200 ms', measurements: { failoverMs: 1200 } }; },
};
`,
    );
    const team = join(dir, 'team.plan.yaml');
    writeFileSync(
      team,
      `format: bulwark.plan/v1
name: team drills
plugins: [./team-drill.mjs]
environments: { dev: { services: [] } }
criteria:
  - id: failover
    text: the database fails over
    checks: [{ check: drill.failover, cadence: 30d }]
`,
    );
    const run = await runCli(
      ['drill', 'failover', '--plan', team, '--evidence-dir', evidence, '--format', 'json'],
      env,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).criteria[0].checks[0]).toMatchObject({
      check: 'drill.failover',
      summary: 'failed over in 1200 ms',
    });
    const list = await runCli(['drill', '--list', '--plan', team], env);
    expect(list.stdout).toMatch(/^failover\s+fails the primary over to the replica$/m);
  });
});

describe('bulwark drill --list', () => {
  it('lists the drills, with the criteria of the plan that bind each', async () => {
    const run = await runCli(['drill', '--list', '--plan', plan, '--format', 'json'], env);
    expect(run.code).toBe(0);
    const drills = JSON.parse(run.stdout).drills;
    expect(drills.map((d: { name: string }) => d.name)).toEqual(
      expect.arrayContaining(['load', 'shutdown', 'soak']),
    );
    expect(drills.find((d: { name: string }) => d.name === 'load').bindings).toEqual([
      { criterion: 'capacity', cadence: '7d' },
      { criterion: 'capacity.slow' },
    ]);
    const table = await runCli(['drill', '--list', '--plan', plan], env);
    expect(table.stdout).toMatch(/^load\s+a bounded load run/m);
    expect(table.stdout).toMatch(/bound by capacity, cadence 7d/);
  });
});

describe('bulwark drill schedule', () => {
  it('renders CronJobs on stdout, systemd units, JSON, and files with --out', async () => {
    const yaml = await runCli(['drill', 'schedule', '--plan', plan, '--env', 'dev'], env);
    expect(yaml.code, yaml.stderr).toBe(0);
    const docs = parseAllDocuments(yaml.stdout).map((d) => d.toJS());
    expect(docs.map((d) => `${d.kind} ${d.metadata.name} ${d.spec.schedule ?? ''}`.trim())).toEqual(
      [
        'CronJob bulwark-drill-load-dev 0 0 * * 0',
        'CronJob bulwark-drill-shutdown-dev 0 0 */30 * *',
        'NetworkPolicy bulwark-drill-egress-dev',
      ],
    );

    const systemd = await runCli(
      ['drill', 'schedule', '--plan', plan, '--env', 'dev', '--format', 'systemd'],
      env,
    );
    expect(systemd.code).toBe(0);
    expect(systemd.stdout).toContain('# bulwark-drill-load-dev.service\n');
    expect(systemd.stdout).toContain(
      `ExecStart=/usr/bin/env bulwark drill load --plan ${plan} --env dev\n`,
    );
    expect(systemd.stdout).toContain('# bulwark-drill-shutdown-dev.timer\n');
    expect(systemd.stdout).toContain('OnCalendar=weekly\n');

    const json = await runCli(['drill', 'schedule', '--plan', plan, '--format', 'json'], env);
    expect(json.code).toBe(0);
    const document = JSON.parse(json.stdout);
    expect(
      document.drills.map((d: { drill: string; cron: { expression: string } }) => [
        d.drill,
        d.cron.expression,
      ]),
    ).toEqual([
      ['load', '0 0 * * 0'],
      ['shutdown', '0 0 */30 * *'],
    ]);

    const out = join(dir, 'units');
    const written = await runCli(
      [
        'drill',
        'schedule',
        '--plan',
        plan,
        '--format',
        'systemd',
        '--out',
        out,
        '--command',
        '/opt/bulwark/bin/bulwark',
      ],
      env,
    );
    expect(written.code).toBe(0);
    expect(readFileSync(join(out, 'bulwark-drill-load-dev.service'), 'utf8')).toContain(
      'ExecStart=/opt/bulwark/bin/bulwark drill load',
    );
    expect(existsSync(join(out, 'bulwark-drill-shutdown-dev.timer'))).toBe(true);
  });

  it('refuses a plan that gives no drill a cadence, and a relative --command', async () => {
    const bare = join(dir, 'bare.plan.yaml');
    writeFileSync(
      bare,
      readFileSync(plan, 'utf8')
        .replaceAll(/\n\s+cadence: \w+/g, '')
        .replaceAll(', cadence: 30d', ''),
    );
    expectOneLineFailure(
      await runCli(['drill', 'schedule', '--plan', bare], env),
      /gives no drill a cadence: add one to a drill binding \(cadence: 7d\)\n$/,
    );
    expectOneLineFailure(
      await runCli(
        ['drill', 'schedule', '--plan', plan, '--format', 'systemd', '--command', 'bulwark'],
        env,
      ),
      /--command must start with an absolute path/,
    );
  });
});
