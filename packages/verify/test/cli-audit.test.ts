import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FIXTURES, project } from './helpers.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'cli', 'bin', 'bulwark.mjs');

function bulwark(args: string[], options: { cwd?: string; input?: string } = {}) {
  const result = spawnSync(process.execPath, [BIN, 'audit', ...args], {
    cwd: options.cwd ?? FIXTURES,
    input: options.input,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const CLEAN = 'controls/kubernetes/BW-IMAGE-DIGEST.pass.yaml';
const DIRTY = 'controls/kubernetes/BW-PRIVILEGED.fail.yaml';

describe('bulwark audit (command line)', () => {
  it('exits 0 when clean, 1 on findings at or above --fail-on, and honours NO_COLOR', () => {
    const clean = bulwark([CLEAN, '--no-kustomize']);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/^PASS 5 resources/m);
    const dirty = bulwark([DIRTY]);
    expect(dirty.code).toBe(1);
    expect(dirty.stdout).toContain('BW-PRIVILEGED');
    expect(dirty.stdout).not.toContain('\x1b[');
    expect(
      bulwark(['controls/kubernetes/BW-PROBE-STARTUP.fail.yaml', '--fail-on', 'medium']).code,
    ).toBe(0);
  });

  it('exits 2 with a one-line cause for a missing path, a bad option or an unreadable baseline', () => {
    for (const args of [
      ['no/such/file.yaml'],
      [CLEAN, '--fail-on', 'severe'],
      [CLEAN, '--baseline', 'nope.json'],
      [CLEAN, '--output', 'pdf=x'],
      [CLEAN, '--as-of', '2026-02-30'],
      [CLEAN, '--as-of', '2026-13-01'],
    ]) {
      const result = bulwark(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    expect(bulwark(['no/such/file.yaml']).stderr).toBe(
      'bulwark: cannot read no/such/file.yaml: no such file or directory\n',
    );
    expect(bulwark([CLEAN, '--as-of', '2026-02-30']).stderr).toContain(
      "argument '2026-02-30' is invalid. expected a date YYYY-MM-DD",
    );
  });

  it('exits 2 with a one-line cause for a dangling symlink in a walked directory', () => {
    const dir = project({ 'pod.yaml': 'apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n' });
    symlinkSync(join(dir, 'missing.yaml'), join(dir, 'gone.yaml'));
    const result = bulwark(['.'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('bulwark: cannot read gone.yaml: ENOENT\n');
  });

  it('exits 1 with --no-kustomize for a kustomization that does not parse or names a missing resource', () => {
    for (const kustomization of ['resources: [pod.yaml\n', 'resources:\n  - missing.yaml\n']) {
      const dir = project({ 'kustomization.yaml': kustomization });
      const result = bulwark(['.', '--no-kustomize', '--format', 'json'], { cwd: dir });
      expect(result.code, kustomization).toBe(1);
      const report = JSON.parse(result.stdout);
      expect(report.findings[0]).toMatchObject({
        controlId: 'BW-INPUT-MALFORMED',
        location: { file: 'kustomization.yaml' },
      });
    }
  });

  it('reports malformed YAML as a located finding, never a crash', () => {
    const dir = project({
      'bad.yaml': 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n',
    });
    const result = bulwark(['.', '--format', 'json'], { cwd: dir });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.findings[0]).toMatchObject({
      controlId: 'BW-INPUT-MALFORMED',
      location: { file: 'bad.yaml' },
    });
    expect(report.findings[0].location.line).toBeGreaterThanOrEqual(4);
  });

  it('reads helm template or compose config output from stdin with -', () => {
    const manifest = readFileSync(join(FIXTURES, DIRTY), 'utf8');
    const result = bulwark(['-', '--format', 'json'], {
      input: `---\n# Source: chart/templates/deployment.yaml\n${manifest}`,
    });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    const privileged = report.findings.find(
      (f: { controlId: string }) => f.controlId === 'BW-PRIVILEGED',
    );
    expect(privileged.location.file).toBe('<stdin>');

    // `docker compose config | bulwark audit -` works the same way.
    const compose = readFileSync(
      join(FIXTURES, 'controls/compose/BW-PRIVILEGED.fail.yaml'),
      'utf8',
    );
    const fromCompose = JSON.parse(bulwark(['-', '--format', 'json'], { input: compose }).stdout);
    expect(fromCompose.inputs).toEqual([{ file: '<stdin>', format: 'compose', objects: 2 }]);
    expect(fromCompose.findings.map((f: { controlId: string }) => f.controlId)).toEqual([
      'BW-PRIVILEGED',
    ]);
  });

  it('writes several formats in one run with --output FORMAT=FILE, and --baseline takes the JSON back', () => {
    const dir = project({});
    const result = bulwark([
      DIRTY,
      '--format',
      'json',
      '--output',
      `sarif=${dir}/a.sarif`,
      '--output',
      `junit=${dir}/a.xml`,
      '--output',
      `json=${dir}/a.json`,
    ]);
    expect(result.code).toBe(1);
    for (const file of ['a.sarif', 'a.xml', 'a.json'])
      expect(existsSync(join(dir, file))).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'a.sarif'), 'utf8')).version).toBe('2.1.0');
    expect(readFileSync(join(dir, 'a.json'), 'utf8')).toBe(result.stdout);
    const again = bulwark([DIRTY, '--baseline', `${dir}/a.json`]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/in baseline/);
  });

  it('--profile security leaves operability controls out', () => {
    const report = JSON.parse(
      bulwark([
        'controls/kubernetes/BW-PROBE-STARTUP.fail.yaml',
        '--profile',
        'security',
        '--format',
        'json',
      ]).stdout,
    );
    expect(report.findings).toEqual([]);
    expect(report.profile).toBe('security');
  });

  it('--as-of judges waiver expiry reproducibly; --no-annotation-waivers refuses self-exemption', () => {
    const manifest = readFileSync(
      join(FIXTURES, 'controls/kubernetes/BW-HOST-NAMESPACES.fail.yaml'),
      'utf8',
    );
    const inline = manifest.replace(
      'hostPID: true # expect',
      'hostPID: true # bulwark-waive BW-HOST-NAMESPACES owner=sre expires=2026-07-01 reason="exporter"',
    );
    const dir = project({ 'app.yaml': inline });
    const expiring = bulwark(['.', '--as-of', '2026-06-25'], { cwd: dir });
    expect(expiring.code).toBe(0);
    expect(expiring.stdout).toContain('BW-WAIVER-EXPIRING');
    expect(expiring.stdout).toContain('[waived: sre until 2026-07-01]');
    expect(
      bulwark(['.', '--as-of', '2026-06-25', '--expiry-warning-days', '3'], { cwd: dir }).stdout,
    ).not.toContain('BW-WAIVER-EXPIRING');
    const expired = bulwark(['.', '--as-of', '2026-07-02'], { cwd: dir });
    expect(expired.code).toBe(1);
    expect(expired.stdout).toContain('BW-WAIVER-EXPIRED');

    const annotated = manifest.replace(
      '  namespace: shop\nspec:\n  replicas',
      '  namespace: shop\n  annotations:\n    bulwark.dev/waive: BW-HOST-NAMESPACES owner=sre expires=2099-01-01 reason=exporter\nspec:\n  replicas',
    );
    const annotatedDir = project({ 'app.yaml': annotated });
    expect(bulwark(['.'], { cwd: annotatedDir }).code).toBe(0);
    const refused = bulwark(['.', '--no-annotation-waivers'], { cwd: annotatedDir });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('BW-WAIVER-SELF-EXEMPT');
  });
});
