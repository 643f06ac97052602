import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@bulwark/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { bin, stackService } from './up-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'bw-up-drills-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface CheckRecord {
  check: string;
  status: string;
  summary: string;
  measurements: Record<string, unknown>;
}

// Each test starts real processes and restarts one: slow on a busy 2-core machine.
describe('bulwark up as the supervisor the drills rely on', { timeout: 180_000 }, () => {
  it('brings back the service drill.shutdown stopped and drill.kill killed, and the plan passes', async () => {
    const port = await freePort();
    writeFileSync(
      join(dir, 'plan.yaml'),
      `format: bulwark.plan/v1
name: drills under up
environments:
  local:
    services:
      - name: only
        url: "\${BULWARK_ONLY_URL:-http://127.0.0.1:1}"
        kind: http
        control: { pidFile: .bulwark/state/pids/only.pid }
criteria:
  - id: lifecycle.graceful-shutdown
    text: Graceful shutdown completes within 30s
    checks:
      - check: drill.shutdown
        with: { maxMs: 30000, restartedBy: supervisor }
  - id: lifecycle.recovers-from-a-crash
    text: Core services recover from single container failure automatically
    checks:
      - check: drill.kill
        with: { readyWithinMs: 30000 }
`,
    );
    writeFileSync(
      join(dir, 'stack.yaml'),
      `services:
  - name: only
    entry: ${stackService}
    port: ${port}
    env: { BULWARK_SHUTDOWN_DRAIN_DELAY_MS: "200" }
    restart: always
verify: { plan: plan.yaml, environment: local }
`,
    );
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (done) => {
        const child = spawn(
          process.execPath,
          [bin, 'up', '--once', '--format', 'json', '--stack', 'stack.yaml'],
          { cwd: dir, env: { ...process.env, NO_COLOR: '1', NODE_ENV: 'test' } },
        );
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk) => (stdout += chunk));
        child.stderr.on('data', (chunk) => (stderr += chunk));
        child.on('exit', (code) => done({ code, stdout, stderr }));
      },
    );
    const bundle = JSON.parse(run.stdout) as { criteria: Array<{ checks: CheckRecord[] }> };
    const checks = bundle.criteria.flatMap((c) => c.checks);
    const shutdown = checks.find((c) => c.check === 'drill.shutdown');
    const kill = checks.find((c) => c.check === 'drill.kill');
    expect(shutdown?.status, shutdown?.summary).toBe('pass');
    expect(shutdown?.summary).toMatch(
      /; restarted by its supervisor, ready again [\d.]+ ms after the exit$/,
    );
    expect(kill?.status, kill?.summary).toBe('pass');
    expect(kill?.summary).toMatch(
      /^ready again [\d.]+ ms after SIGKILL \(limit 30000 ms; restarted by its supervisor as pid \d+\); /,
    );
    expect(kill?.measurements.newPid).not.toBe(kill?.measurements.pid);
    expect(run.stderr).toContain(
      'restart  only  exited with code 0 (received SIGTERM; shutting down); restart 1 of 5 within 60 s, in 100 ms',
    );
    expect(run.stderr).toContain(
      'restart  only  exited with code 137 (killed by SIGKILL); restart 2 of 5 within 60 s, in 200 ms',
    );
    expect(run.stderr).toContain('verdict: the stack meets every required criterion of');
    expect(run.code).toBe(0);
    expect(existsSync(join(dir, '.bulwark', 'state', 'pids', 'only.pid'))).toBe(false);
  });
});
