import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '@bulwark/testkit';
import { describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '..', '..', '..');
const bin = join(repo, 'packages', 'cli', 'bin', 'bulwark.mjs');

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: repo,
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => done({ code, stdout, stderr }));
  });
}

function stackFile(body: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'bulwark-up-'));
  const file = join(dir, 'stack.yaml');
  writeFileSync(file, body);
  return file;
}

describe('bulwark up', () => {
  it('starts the stack, probes it, stops it through the phased shutdown and exits 0', async () => {
    const port = await freePort();
    const file = stackFile(`services:
  - name: core-api
    entry: ${join(repo, 'services/core-api/src/main.ts')}
    port: ${port}
    env: { BULWARK_SHUTDOWN_DRAIN_DELAY_MS: "100" }
`);
    const { code, stdout, stderr } = await run([
      'up',
      '--once',
      '--stack',
      file,
      '--format',
      'json',
    ]);
    expect(stderr).toContain(`ready  core-api  http://127.0.0.1:${port}`);
    const report = JSON.parse(stdout);
    expect(report.ok).toBe(true);
    expect(report.targets[0].url).toContain(String(port));
    expect(stderr).toContain('shutdown phase drain-requests done');
    expect(stderr).toContain('stopped  core-api  exit 0');
    expect(code).toBe(0);
  });

  it('exits 2 with the cause first when a service dies during startup', async () => {
    const port = await freePort();
    const file = stackFile(`services:
  - name: broken
    entry: ${join(repo, 'services/core-api/src/main.ts')}
    port: ${port}
    env: { LOG_LEVEL: "chatty" }
`);
    const { code, stderr } = await run(['up', '--once', '--stack', file]);
    expect(code).toBe(2);
    expect(stderr.split('\n')[0]).toMatch(
      /^bulwark: broken exited during startup with code 1: failed to start: invalid service configuration: logging\.level/,
    );
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it.each([
    ['a missing file', null, /cannot read stack file .*: ENOENT/],
    ['invalid YAML', 'services: [\n  - name: x\n', /is not valid YAML/],
    [
      'a schema violation',
      'services:\n  - name: Bad Name\n    entry: x.ts\n    port: 1\n',
      /\/services\/0\/name must match pattern/,
    ],
    [
      'a duplicated port',
      'services:\n  - {name: a, entry: a.ts, port: 9}\n  - {name: b, entry: b.ts, port: 9}\n',
      /port 9 is used twice/,
    ],
  ])('exits 2 on %s', async (_label, body, message) => {
    const file = body === null ? '/nonexistent/stack.yaml' : stackFile(body);
    const { code, stderr } = await run(['up', '--once', '--stack', file]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });
});
