import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultRegistry, parsePlan } from '@bulwark/verify';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli as bulwark, expectOneLineFailure } from './run-cli.js';

const SHARED_PLAN = resolve(
  fileURLToPath(new URL('../../../examples/source/001_e14f9608765660cc.txt', import.meta.url)),
);
const work = mkdtempSync(join(tmpdir(), 'bulwark-plan-import-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('bulwark plan import', () => {
  it('writes a plan that validates and names its markdown relative to itself', async () => {
    const out = join(work, 'plans', 'agent.plan.yaml');
    mkdirSync(join(work, 'plans'));
    const run = await bulwark([
      'plan',
      'import',
      SHARED_PLAN,
      '-o',
      out,
      '--name',
      'agent-platform',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`imported 52 criteria from ${SHARED_PLAN} (todo 52) into ${out}`);
    expect(run.stdout).toContain('bound to checks (6):');
    expect(run.stdout).toMatch(
      /probe\.latency\s+\{"p95Ms":200,"endpoints":\["\/live","\/ready"\]\}/,
    );
    expect(run.stdout).toContain('manual (46)');
    expect(run.stdout).toContain(
      'trace.propagation checks HTTP requests; this asks for trace context in kafka traffic',
    );
    const plan = parsePlan(readFileSync(out, 'utf8'), out, defaultRegistry());
    expect(plan.name).toBe('agent-platform');
    expect(resolve(join(work, 'plans'), plan.source as string)).toBe(SHARED_PLAN);
  });

  it('refuses to overwrite an existing output unless forced', async () => {
    const out = join(work, 'existing.yaml');
    writeFileSync(out, 'keep me\n');
    expectOneLineFailure(
      await bulwark(['plan', 'import', SHARED_PLAN, '-o', out]),
      /existing\.yaml exists; pass --force/,
    );
    expect(readFileSync(out, 'utf8')).toBe('keep me\n');
    expect((await bulwark(['plan', 'import', SHARED_PLAN, '-o', out, '--force'])).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('format: bulwark.plan/v1');
  });

  it('without --output, the YAML is stdout and the account of it stderr', async () => {
    const run = await bulwark(['plan', 'import', SHARED_PLAN]);
    expect(run.code).toBe(0);
    expect(run.stdout.startsWith('# Imported by `bulwark plan import`')).toBe(true);
    expect(parsePlan(run.stdout, 'stdout', defaultRegistry()).criteria).toHaveLength(52);
    expect(run.stderr).toContain('bound to checks (6):');
  });

  it('--format json lists what it bound and what it left manual, and why', async () => {
    const run = await bulwark(['plan', 'import', SHARED_PLAN, '--format', 'json']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ criteria: 52, byStatus: { todo: 52 }, output: null });
    expect(report.bound).toHaveLength(6);
    expect(report.bound[4]).toMatchObject({
      criterion: 'acceptance-criteria.http-services-respond-ready-live-200ms',
      check: 'probe.latency',
      with: { p95Ms: 200, endpoints: ['/live', '/ready'] },
    });
    expect(report.manual).toHaveLength(46);
    expect(report.manual.every((m: { reason: string }) => m.reason.length > 0)).toBe(true);
    expect(parsePlan(report.yaml, 'json', defaultRegistry()).criteria).toHaveLength(52);
  });

  it('an empty, missing, binary or criteria-less file, or a directory, is one line and exit 2', async () => {
    const empty = join(work, 'empty.md');
    writeFileSync(empty, '\n  \n');
    expectOneLineFailure(await bulwark(['plan', 'import', empty]), /empty\.md: the plan is empty/);
    expectOneLineFailure(
      await bulwark(['plan', 'import', join(work, 'missing.md')]),
      /missing\.md: cannot read the plan \(no such file\)/,
    );
    const binary = join(work, 'binary.md');
    writeFileSync(binary, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01]));
    expectOneLineFailure(await bulwark(['plan', 'import', binary]), /binary\.md: not a text file/);
    const prose = join(work, 'prose.md');
    writeFileSync(prose, '# Notes\n\nNothing to check here.\n');
    expectOneLineFailure(await bulwark(['plan', 'import', prose]), /prose\.md: no criteria found/);
    expectOneLineFailure(
      await bulwark(['plan', 'import', work]),
      /cannot read the plan \(is a directory\)/,
    );
  });
});
