import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { expectOneLineFailure, runCli } from './run-cli.js';

/**
 * An audit that judged nothing is not a pass: `helm template ./chart | bulwark audit -` with helm
 * missing pipes in nothing, and a gate that passes then is a hole. The same goes for a directory
 * without deploy files and for a waivers file that is not there.
 */

const bin = fileURLToPath(new URL('../bin/bulwark.mjs', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'bulwark-cli-audit-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const POD =
  'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: nginx:1.27\n';

/** A shell pipeline into the real binary: stdin is what the shell gives it. */
function pipeline(producer: string, args: string) {
  const result = spawnSync(
    'sh',
    ['-c', `${producer} | "${process.execPath}" "${bin}" audit ${args}`],
    {
      cwd: work,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', PATH: process.env.PATH ?? '' },
      timeout: 60_000,
    },
  );
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

describe('bulwark audit with nothing to audit', () => {
  it('exits 2 with one line when the command before the pipe fails and stdin is empty', () => {
    const run = pipeline('definitely-not-helm template ./chart 2>/dev/null', '-');
    expectOneLineFailure(
      run,
      'bulwark: nothing to audit: stdin is empty (did the command before the pipe fail?); pass --allow-empty if that is expected\n',
    );
    expect(run.stdout).toBe('');
  });

  it('passes an empty stdin with --allow-empty', () => {
    const run = pipeline('printf ""', '- --allow-empty');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^PASS 0 resources/m);
  });

  it('exits 2 for stdin or a directory holding no Dockerfile, compose file or manifest', async () => {
    const dir = join(work, 'docs-only');
    mkdirSync(join(dir, '.github', 'workflows'), { recursive: true });
    writeFileSync(join(dir, 'README.md'), '# not deploy files\n');
    writeFileSync(join(dir, '.github', 'workflows', 'ci.yaml'), 'on: push\njobs: {}\n');
    expectOneLineFailure(
      await runCli(['audit', dir]),
      `bulwark: nothing to audit in ${dir}: no Dockerfile, compose file or Kubernetes manifest; pass --allow-empty if that is expected\n`,
    );
    const allowed = await runCli(['audit', dir, '--allow-empty', '--format', 'json']);
    expect(allowed.code).toBe(0);
    expect(JSON.parse(allowed.stdout)).toMatchObject({ passed: true, objects: 0, findings: [] });

    const notManifests = pipeline(`printf 'groups: []\\n'`, '-');
    expectOneLineFailure(notManifests, /^bulwark: nothing to audit in stdin: /);
  });

  it('still audits, and fails, a directory whose only file is malformed', async () => {
    const dir = join(work, 'malformed');
    mkdirSync(dir);
    writeFileSync(join(dir, 'pod.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: [\n');
    const run = await runCli(['audit', dir]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('BW-INPUT-MALFORMED');
  });
});

describe('bulwark audit --waivers', () => {
  it('exits 2 with one line when the named waivers file does not exist', async () => {
    const dir = join(work, 'waived');
    mkdirSync(dir);
    writeFileSync(join(dir, 'pod.yaml'), POD);
    const missing = join(dir, 'waivers.yml');
    expectOneLineFailure(
      await runCli(['audit', dir, '--waivers', missing]),
      /^bulwark: waivers file .*waivers\.yml does not exist\n$/,
    );
    // Without --waivers, a missing default .bulwark/waivers.yaml is simply no waivers.
    expect((await runCli(['audit', dir])).code).toBe(1);
  });
});
