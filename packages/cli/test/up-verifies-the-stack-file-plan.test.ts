import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '@bulwark/testkit';
import { afterAll, describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '..', '..', '..');
const bin = join(repo, 'packages', 'cli', 'bin', 'bulwark.mjs');
const dir = mkdtempSync(join(tmpdir(), 'bw-up-verify-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `bulwark up` from `dir`, so its evidence and keys land there. */
function up(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [bin, 'up', ...args], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1', NODE_ENV: 'test' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => done({ code, stdout, stderr }));
  });
}

describe('bulwark up with a plan in the stack file', () => {
  it('verifies the plan where the services run (a moved port included), prints the verdict and the report', async () => {
    const port = await freePort();
    // The plan's default port is wrong on purpose: up must hand it the port the stack runs on.
    writeFileSync(
      join(dir, 'plan.yaml'),
      `format: bulwark.plan/v1
name: up plan
environments:
  local:
    services:
      - { name: core-api, url: "\${BULWARK_CORE_API_URL:-http://127.0.0.1:1}", kind: http }
criteria:
  # core-api alone, without its ledger, has no dependency for /ready to check, so probe.contract
  # would rightly fail it; these hold for it on its own.
  - id: observability.metrics
    text: the contract's metric families
    checks: [{ check: metrics.contract }]
  - id: errors.sanitized
    text: errors are problem+json
    checks: [{ check: errors.problem-json }]
`,
    );
    writeFileSync(
      join(dir, 'stack.yaml'),
      `services:
  - name: core-api
    entry: ${join(repo, 'services/core-api/src/main.ts')}
    port: 1
    env: { BULWARK_SHUTDOWN_DRAIN_DELAY_MS: "100" }
verify: { plan: plan.yaml, environment: local }
`,
    );
    const run = await up(['--once', '--stack', 'stack.yaml', '--port', `core-api=${port}`]);
    expect(run.stderr).toContain(`ready  core-api  http://127.0.0.1:${port}`);
    expect(run.stdout).toMatch(/pass\s+observability\.metrics/);
    const report = /^report: {3}(.+report\.html)$/m.exec(run.stdout)?.[1];
    expect(report && existsSync(join(dir, report))).toBe(true);
    expect(run.stderr).toContain('verdict: the stack meets every required criterion of');
    expect(run.code).toBe(0);
  });
});
