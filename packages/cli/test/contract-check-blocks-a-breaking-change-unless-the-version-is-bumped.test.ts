import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, spawnTs } from '@bulwark/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOneLineFailure, runCli } from './run-cli.js';

/**
 * `bulwark contract check` in a repository of its own: main holds the snapshot of a service's
 * first API; a branch changes the code. The check generates the document by running the
 * service's entry, and judges it against the snapshot at the merge base.
 */

const entry = fileURLToPath(new URL('./fixtures/contract/widget-service.ts', import.meta.url));
const repo = mkdtempSync(join(tmpdir(), 'bulwark-contract-check-'));
afterAll(() => rmSync(repo, { recursive: true, force: true }));

const git = (...args: string[]) =>
  execFileSync('git', ['-C', repo, ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.com',
    },
  });

function useShape(shape: 'v1' | 'breaking' | 'bumped', port = 18999): void {
  writeFileSync(
    join(repo, 'bulwark.stack.yaml'),
    `services:\n  - name: widgets\n    entry: ${JSON.stringify(entry)}\n    port: ${port}\n    env:\n      WIDGET_API: ${shape}\n`,
  );
}

beforeAll(async () => {
  git('init', '-q', '-b', 'main');
  writeFileSync(join(repo, 'bulwark.contract.yaml'), 'version: 1\nservices: [widgets]\n');
  useShape('v1');
  const written = await runCli(['contract', 'snapshot', '--root', repo]);
  expect(written.stderr).toBe('');
  expect(written.code).toBe(0);
  expect(written.stdout).toContain('written  openapi/widgets.json');
  git('add', '-A');
  git('commit', '-q', '-m', 'the first API');
  git('checkout', '-q', '-b', 'change');
}, 120_000);

describe('bulwark contract check', () => {
  it('passes when the code still generates the snapshot it started from', async () => {
    useShape('v1');
    const run = await runCli(['contract', 'check', '--root', repo]);
    expect(run.stdout).toContain('contract check: pass (1 services, merge base with main)');
    expect(run.code).toBe(0);
  }, 60_000);

  it('fails a removed response field, and a snapshot the code no longer matches', async () => {
    useShape('breaking');
    const run = await runCli(['contract', 'check', '--root', repo, '--format', 'json']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as {
      ok: boolean;
      services: Array<{
        stale: boolean;
        diff: { changes: Array<{ classId: string; level: string }> };
      }>;
    };
    expect(report.ok).toBe(false);
    expect(report.services[0]?.stale).toBe(true);
    expect(report.services[0]?.diff.changes).toContainEqual(
      expect.objectContaining({ classId: 'response.property.removed', level: 'error' }),
    );
  }, 60_000);

  it('allows the same removal once info.version has a new major, after the snapshot is refreshed', async () => {
    useShape('bumped');
    const stale = await runCli(['contract', 'snapshot', '--root', repo, '--check']);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toContain(
      'out of date: openapi/widgets.json; refresh with `npx bulwark contract snapshot`',
    );
    expect((await runCli(['contract', 'snapshot', '--root', repo])).stdout).toContain(
      'updated  openapi/widgets.json',
    );
    const run = await runCli(['contract', 'check', '--root', repo, '--format', 'markdown']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('response.property.removed');
    const snapshot = JSON.parse(readFileSync(join(repo, 'openapi/widgets.json'), 'utf8'));
    expect(snapshot.info.version).toBe('2.0.0');
  }, 60_000);

  it('refuses a base it cannot find with one line and exit 2', async () => {
    const run = await runCli(['contract', 'check', '--root', repo, '--base', 'no-such-ref']);
    expectOneLineFailure(run, /--base no-such-ref: no such commit/);
  });

  it('--live reads what the running service serves: the breaking one fails, a stopped one is exit 2', async () => {
    const port = await freePort();
    useShape('breaking', port);
    const running = spawnTs(entry, {
      PORT: String(port),
      HOST: '127.0.0.1',
      WIDGET_API: 'breaking',
    });
    try {
      await running.waitForLine((line) => line.includes('widgets ready on'));
      const run = await runCli(['contract', 'check', '--root', repo, '--live', '--base', 'main']);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('response.property.removed');
    } finally {
      running.kill();
      await running.exited;
    }
    const stopped = await runCli(['contract', 'check', '--root', repo, '--live', '--base', 'main']);
    expectOneLineFailure(
      stopped,
      /widgets: cannot read http:\/\/127\.0\.0\.1:\d+\/openapi\.json .*is the stack running/,
    );
  }, 60_000);
});
