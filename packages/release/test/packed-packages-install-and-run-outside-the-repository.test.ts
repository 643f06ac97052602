import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, systemPart } from '@bulwark/testkit';
import semver from 'semver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PackedTarball, packWorkspaces } from '../src/pack/index.js';
import { ensureCurrentDist, REPOSITORY_ROOT } from './fixtures/pack/current-dist.js';

/*
 * The runtime import check: what `npm publish` would ship, installed where a user installs it
 * (a new project outside the repository, dependencies from the registry) and run with plain
 * `node`: no tsx, no workspace links, no source condition. This test uses the network (npm
 * registry; --prefer-offline takes what the npm cache holds) and takes a minute or two.
 */

const postgres = systemPart({
  name: 'PostgreSQL on 127.0.0.1:5432',
  install: 'apt-get install postgresql',
  probe: ['bash', '-c', 'exec 3<>/dev/tcp/127.0.0.1/5432'],
});

const INSTALL_TIMEOUT_MS = 5 * 60_000;
const scratch = mkdtempSync(join(tmpdir(), 'bw-installed-'));
const project = join(scratch, 'project');
let tarballs: PackedTarball[] = [];
let installOutput = '';

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** npm settings a user's own npm would have too: where the registry and the cache are. */
const KEPT_NPM_SETTINGS =
  /^npm_config_(registry|cache|userconfig|globalconfig|cafile|ca|strict_ssl|proxy|https_proxy|noproxy)$/i;

/**
 * The environment of a user's shell, not of this test run: the repository's source condition
 * (NODE_OPTIONS) would make the packages resolve to TypeScript files they do not ship, and the
 * npm_* variables `npm test` exports describe the repository (its prefix, its package).
 */
function userEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name === 'NODE_OPTIONS' || name === 'NODE_ENV' || /^VITEST|^TEST$/.test(name)) continue;
    if (/^npm_/i.test(name) && !KEPT_NPM_SETTINGS.test(name)) continue;
    env[name] = value;
  }
  return { ...env, ...extra };
}

interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[], timeout = 60_000): Promise<Finished> {
  return new Promise((resolve) => {
    execFile(
      command,
      [...args],
      { cwd: project, env: userEnvironment(), timeout, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function installed(name: string): { version: string; exports?: Record<string, unknown> } {
  return JSON.parse(readFileSync(join(project, 'node_modules', name, 'package.json'), 'utf8'));
}

/**
 * The README's "Build your own service" example: the first ```js block after that heading and
 * before the next one, so this test fails when the documented example stops working.
 */
function readmeExample(): string {
  const readme = readFileSync(join(REPOSITORY_ROOT, 'README.md'), 'utf8');
  const start = readme.search(/build your own service/i);
  const rest = start < 0 ? '' : readme.slice(start);
  const nextHeading = rest.search(/^#{1,6} /m);
  const section = nextHeading < 0 ? rest : rest.slice(0, nextHeading);
  const block = /^```(?:js|javascript|mjs)[ \t]*\n([\s\S]*?)^```/m.exec(section);
  if (!block?.[1]) throw new Error('README.md has no ```js block under "Build your own service"');
  return block[1];
}

describe('the packed packages, installed outside the repository', () => {
  beforeAll(async () => {
    await ensureCurrentDist();
    tarballs = await packWorkspaces({
      root: REPOSITORY_ROOT,
      patterns: ['packages/*'],
      destination: join(scratch, 'tarballs'),
    });
    mkdirSync(project);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'bulwark-install-check', private: true, type: 'module' }),
    );
    const started = Date.now();
    const install = await run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        ...tarballs.map((tarball) => tarball.file),
        'pg',
      ],
      INSTALL_TIMEOUT_MS,
    );
    installOutput = `${install.stdout}${install.stderr}`;
    expect(install.code, `npm install failed:\n${installOutput.slice(-3000)}`).toBe(0);
    console.info(`npm install of ${tarballs.length} tarballs took ${Date.now() - started} ms`);
  }, INSTALL_TIMEOUT_MS + 120_000);

  it('installs every public package from its tarball', () => {
    expect(tarballs.length).toBeGreaterThan(0);
    for (const tarball of tarballs) expect(installed(tarball.name).version).toBe(tarball.version);
  });

  it('every entry point of every package loads with plain node, from the installed copy', async () => {
    const results = await Promise.all(
      tarballs.map(async ({ name }) => {
        const subpaths = Object.keys(installed(name).exports ?? { '.': '' }).filter(
          (subpath) => !subpath.includes('*') && subpath !== './package.json',
        );
        const specifiers = subpaths.map((subpath) => `${name}${subpath.slice(1)}`);
        const loader = [
          'const where = [];',
          'for (const specifier of JSON.parse(process.argv[1])) {',
          '  await import(specifier);',
          '  where.push(import.meta.resolve(specifier));',
          '}',
          'console.log(JSON.stringify(where));',
        ].join('\n');
        const loaded = await run('node', [
          '--input-type=module',
          '-e',
          loader,
          JSON.stringify(specifiers),
        ]);
        return { name, specifiers, loaded };
      }),
    );
    for (const { name, specifiers, loaded } of results) {
      expect(loaded.code, `${name} did not load:\n${loaded.stderr.slice(-2000)}`).toBe(0);
      const where = JSON.parse(loaded.stdout.trim().split('\n').at(-1) ?? '[]') as string[];
      expect(where, name).toHaveLength(specifiers.length);
      for (const url of where) {
        expect(url.startsWith(`file://${project}/node_modules/`), url).toBe(true);
        expect(url, `${name} resolved to a source file`).toMatch(/\/dist\/.*\.js$/);
      }
    }
  });

  it('the installed CLI runs from its build: --version and --help', async () => {
    const cli = join(project, 'node_modules', '.bin', 'bulwark');
    const expected = JSON.parse(
      readFileSync(join(REPOSITORY_ROOT, 'packages', 'cli', 'package.json'), 'utf8'),
    ) as { version: string };
    const version = await run('node', [cli, '--version']);
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe(expected.version);

    const help = await run('node', [cli, '--help']);
    expect(help.code, help.stderr).toBe(0);
    for (const command of ['up', 'verify', 'gate', 'release', 'audit']) {
      expect(help.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    }
  });

  it('the installed CLI diffs two OpenAPI documents with the packed @bulwark/contract', async () => {
    const document = (fields: string) =>
      `openapi: 3.1.0\ninfo: { title: t, version: 1.0.0 }\npaths:\n  /v1/a:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: { type: object, properties: { ${fields} } }\n`;
    writeFileSync(join(project, 'old.yaml'), document('a: { type: string }, b: { type: string }'));
    writeFileSync(join(project, 'new.yaml'), document('a: { type: string }'));
    const cli = join(project, 'node_modules', '.bin', 'bulwark');
    const diff = await run('node', [cli, 'contract', 'diff', 'old.yaml', 'new.yaml']);
    expect(diff.stderr).toBe('');
    expect(diff.code).toBe(1);
    expect(diff.stdout).toContain('response.property.removed');
  });

  it.skipIf(!postgres.available)(
    "the README's service example serves, turns ready and stops on SIGTERM with exit code 0",
    async () => {
      writeFileSync(join(project, 'orders.mjs'), readmeExample());
      const port = await freePort();
      const child = spawn(process.execPath, ['orders.mjs'], {
        cwd: project,
        env: userEnvironment({
          DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
          PORT: String(port),
          // The 5 s a load balancer gets to see /ready fail: nothing balances this test.
          BULWARK_SHUTDOWN_DRAIN_DELAY_MS: '0',
        }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
      });
      child.stderr.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
      });
      const exited = new Promise<number | string>((resolve) => {
        child.once('exit', (code, signal) => resolve(code ?? signal ?? -1));
      });
      try {
        const base = `http://127.0.0.1:${port}`;
        const deadline = Date.now() + 30_000;
        let ready = 0;
        while (ready !== 200 && Date.now() < deadline && child.exitCode === null) {
          ready = await fetch(`${base}/ready`).then(
            (response) => response.status,
            () => 0,
          );
          if (ready !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(ready, `/ready never answered 200; the service said:\n${output.slice(-3000)}`).toBe(
          200,
        );
        const order = await fetch(`${base}/v1/orders/42`);
        expect(order.status).toBe(200);
        expect(await order.json()).toEqual({ id: '42' });
      } finally {
        child.kill('SIGTERM');
      }
      expect(await exited, `the service said:\n${output.slice(-3000)}`).toBe(0);
    },
  );

  it('every package the install pulled in accepts the Node versions the packages declare', () => {
    // The repository's own overrides do not reach a user's install: this is the tree they get.
    const range = (
      JSON.parse(readFileSync(join(REPOSITORY_ROOT, 'package.json'), 'utf8')) as {
        engines: { node: string };
      }
    ).engines.node;
    const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version?: string; engines?: { node?: string } }>;
    };
    const refusing = Object.entries(lock.packages).flatMap(([path, entry]) => {
      const node = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      if (node === undefined) return [];
      const accepts = semver.validRange(node) !== null && semver.subset(range, node);
      const name = path.replace(/^.*node_modules\//, '');
      return accepts ? [] : [name];
    });
    // Declared needs that are not real ones, each with the reason; an entry no longer needed
    // fails the test, so the list cannot go stale.
    const knownExceptions: Record<string, string> = {
      // light-my-request (fastify.inject) asks for cookie 2, which declares Node >= 22. A served
      // request never loads it: the example above ran on this Node. The repository's own tests
      // use inject and pin cookie 1 through package.json's overrides.
      cookie: 'only fastify.inject loads it',
    };
    expect(
      refusing.filter((name) => !(name in knownExceptions)),
      `the packages declare engines.node "${range}"; npm said:\n${warnings()}`,
    ).toEqual([]);
    expect(Object.keys(knownExceptions).filter((name) => !refusing.includes(name))).toEqual([]);
  });
});

function warnings(): string {
  return installOutput
    .split('\n')
    .filter((line) => line.includes('EBADENGINE'))
    .join('\n');
}
