// biome-ignore-all lint/suspicious/noTemplateCurlyInString: stack-file references are literally ${service.url}
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '@bulwark/testkit';
import { describe, expect, it, vi } from 'vitest';
import { UsageError } from '../src/exit-codes.js';
import { main } from '../src/main.js';
import { resolveStack } from '../src/stack/resolve-stack.js';
import { loadStackFile, type StackFile } from '../src/stack/stack-file.js';
import { portIsFree, runUp, stackDir, stackService } from './up-harness.js';

const stack: StackFile = {
  services: [
    { name: 'ledger', entry: stackService, port: 8081 },
    {
      name: 'core-api',
      entry: stackService,
      port: 8080,
      env: { BULWARK_LEDGER_URL: '${ledger.url}', LEDGER_PORT: '${ledger.port}', KEEP: 'x' },
    },
  ],
};

describe('port overrides (in process)', () => {
  it('keeps the stack file ports and fills references with them by default', () => {
    const [ledger, core] = resolveStack(stack, '/');
    expect(ledger).toMatchObject({ port: 8081, url: 'http://127.0.0.1:8081' });
    expect(core?.env).toEqual({
      BULWARK_LEDGER_URL: 'http://127.0.0.1:8081',
      LEDGER_PORT: '8081',
      KEEP: 'x',
    });
  });

  it('--port-base runs the services on consecutive ports and the dependents follow', () => {
    const [ledger, core] = resolveStack(stack, '/', { base: 9000 });
    expect([ledger?.port, core?.port]).toEqual([9000, 9001]);
    expect(core?.env.BULWARK_LEDGER_URL).toBe('http://127.0.0.1:9000');
    expect(core?.env.LEDGER_PORT).toBe('9000');
  });

  it('--port moves one service, after --port-base', () => {
    const [ledger, core] = resolveStack(stack, '/', {
      base: 9000,
      ports: [{ service: 'ledger', port: 7000 }],
    });
    expect([ledger?.port, core?.port]).toEqual([7000, 9001]);
    expect(core?.env.BULWARK_LEDGER_URL).toBe('http://127.0.0.1:7000');
  });

  it.each([
    [
      { ports: [{ service: 'nope', port: 1 }] },
      /--port nope=1: no service nope \(ledger, core-api\)/,
    ],
    [{ ports: [{ service: 'ledger', port: 8080 }] }, /port 8080 would be used by both/],
    [{ base: 65_535 }, /--port-base 65535 puts 2 services past port 65535/],
  ])('refuses %o', (overrides, message) => {
    expect(() => resolveStack(stack, '/', overrides)).toThrow(UsageError);
    expect(() => resolveStack(stack, '/', overrides)).toThrow(message);
  });

  it('refuses a literal URL that would still point at a moved service', () => {
    const literal: StackFile = {
      services: [
        stack.services[0]!,
        { ...stack.services[1]!, env: { BULWARK_LEDGER_URL: 'http://127.0.0.1:8081' } },
      ],
    };
    expect(resolveStack(literal, '/')[1]?.env.BULWARK_LEDGER_URL).toBe('http://127.0.0.1:8081');
    expect(() => resolveStack(literal, '/', { base: 9000 })).toThrow(
      "core-api's BULWARK_LEDGER_URL names port 8081, but ledger now runs on 9000; write ${ledger.url} in the stack file so it follows",
    );
  });

  it.each([
    ['${nope.url}', /core-api's X refers to \$\{nope\.url\}/],
    ['${ledger.host}', /core-api's X refers to \$\{ledger\.host\}/],
  ])('the stack file refuses the reference %s', async (value, message) => {
    const { file } = stackDir(`services:
  - { name: ledger, entry: x.ts, port: 1 }
  - { name: core-api, entry: x.ts, port: 2, env: { X: "${value}" } }
`);
    await expect(loadStackFile(file)).rejects.toThrow(message);
  });
});

/** Two consecutive free ports (a free port's neighbour is almost always free too). */
async function freePair(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await freePort();
    if (port < 65_535 && (await portIsFree(port + 1))) return port;
  }
  throw new Error('no two consecutive free ports');
}

describe('bulwark up --port-base (real processes)', () => {
  it('moves every service, and a dependent reaches its dependency at the new port', async () => {
    const base = await freePair();
    // The file's own ports are never bound: the override must win everywhere.
    const { dir, file } = stackDir(`services:
  - name: upstream
    entry: ${stackService}
    port: 1
    env: { BULWARK_SHUTDOWN_DRAIN_DELAY_MS: "0" }
  - name: dependent
    entry: ${stackService}
    port: 2
    env:
      # A critical readiness probe: the dependent is ready only if this URL is right.
      TEST_UPSTREAM_URL: \${upstream.url}
      BULWARK_SHUTDOWN_DRAIN_DELAY_MS: "0"
`);
    const { code, stdout, stderr } = await runUp([
      'up',
      '--once',
      '--stack',
      file,
      '--port-base',
      String(base),
      '--format',
      'json',
      '--timeout',
      '30',
    ]);
    expect(stderr).toContain(`ready  upstream  http://127.0.0.1:${base}\n`);
    expect(stderr).toContain(`ready  dependent  http://127.0.0.1:${base + 1}\n`);
    const report = JSON.parse(stdout) as { ok: boolean; targets: Array<{ url: string }> };
    expect(report.ok).toBe(true);
    expect(report.targets.map((t) => t.url)).toEqual([
      `http://127.0.0.1:${base}/`,
      `http://127.0.0.1:${base + 1}/`,
    ]);
    expect(code).toBe(0);
    expect(readFileSync(join(dir, '.bulwark', 'state', 'logs', 'dependent.log'), 'utf8')).toContain(
      `"msg":"upstream is http://127.0.0.1:${base}"`,
    );
  });
});

/** Runs the CLI in process (argument handling needs no child), capturing what it writes. */
async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err.push(String(chunk));
    return true;
  });
  try {
    const code = await main(args);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

describe('bulwark up port flags (arguments)', () => {
  it('documents the flags in --help', async () => {
    const { code, stdout } = await cli(['up', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/--port <service=port>/);
    expect(stdout).toMatch(/--port-base <port>/);
    expect(stdout).toContain('already in use');
  });

  it.each([
    [['--port', 'ledger'], /expected <service>=<port>/],
    [['--port', 'ledger=70000'], /expected a port from 1 to 65535/],
    [['--port-base', 'zero'], /expected a port from 1 to 65535/],
    [['--port', 'nope=9000'], /^bulwark: --port nope=9000: no service nope \(a\)\n$/],
  ])('exits 2 on %j', async (flags, message) => {
    const { file } = stackDir('services: [{ name: a, entry: a.ts, port: 1 }]\n');
    writeFileSync(join(file, '..', 'a.ts'), '');
    const { code, stderr } = await cli(['up', '--once', '--stack', file, ...flags]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});
