import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { systemPart } from '@bulwark/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractRoutes, garbageTcpTarget, httpTarget, type Target } from './probe-targets.js';

const BIN = fileURLToPath(new URL('../bin/bulwark.mjs', import.meta.url));
const redis = systemPart({
  name: 'Redis on 127.0.0.1:6379',
  install: 'apt-get install redis-server',
  probe: ['redis-cli', '-h', '127.0.0.1', '-p', '6379', 'ping'],
});
const STACK_LINE = /^\s+at .+[:(]/m;
const ANSI = /\x1b\[[0-9;]*m/;

/** The real `bulwark` binary in a child process, as a user or CI runs it. */
function bulwark(args: string[], env: Record<string, string> = {}) {
  const { NO_COLOR: _n, FORCE_COLOR: _f, ...inherited } = process.env;
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...inherited, ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('the bulwark binary', () => {
  const targets: Target[] = [];
  let healthy: string;
  let garbage: string;
  beforeAll(async () => {
    targets.push(await httpTarget(contractRoutes()), await garbageTcpTarget());
    [healthy, garbage] = targets.map((t) => t.url) as [string, string];
  });
  afterAll(async () => {
    for (const target of targets) await target.close();
  });

  it('exits 2 with one line and no stack trace on a port that does not speak HTTP', async () => {
    const { code, stdout, stderr } = await bulwark(['probe', '--samples', '3', garbage]);
    expect(code).toBe(2);
    expect(stdout).toMatch(/^ {2}reachable +FAIL +not HTTP/m);
    expect(stderr).toBe(
      `bulwark: ${garbage}/ unreachable: not HTTP: the reply does not follow HTTP/1.1\n`,
    );
    expect(stderr).not.toMatch(STACK_LINE);
  });

  it('exits 1 on a failing check, coloured only when colour is allowed', async () => {
    const args = ['probe', '--samples', '3', '--p95-ms', '5000', healthy];
    const forced = await bulwark(args, { FORCE_COLOR: '1' });
    expect(forced.code).toBe(1);
    expect(forced.stdout).toMatch(ANSI);
    // Node 22 and later warn on stderr when both are set (a line of Node's, not of ours).
    const plain = await bulwark(args, { FORCE_COLOR: '1', NO_COLOR: '1', NODE_NO_WARNINGS: '1' });
    expect(plain.code).toBe(1);
    expect(plain.stdout).not.toMatch(ANSI);
    expect(plain.stdout).toMatch(
      /^ {2}metrics +FAIL +\/metrics: missing \d+ of \d+ contract families/m,
    );
    expect(plain.stderr).toBe('');
  });

  it.skipIf(!redis.available)('exits 2 on Redis, which closes on an HTTP request', async () => {
    const { code, stderr } = await bulwark(['probe', '--format', 'json', 'http://127.0.0.1:6379']);
    expect(code).toBe(2);
    expect(stderr).toBe(
      'bulwark: http://127.0.0.1:6379/ unreachable: the server closed the connection without an HTTP answer\n',
    );
  });
});
