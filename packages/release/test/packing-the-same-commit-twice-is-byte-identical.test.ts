import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReleaseError } from '../src/errors.js';
import { type PackedTarball, packWorkspaces, releasedWorkspaces } from '../src/pack/index.js';
import { ensureCurrentDist, REPOSITORY_ROOT } from './fixtures/pack/current-dist.js';

const PUBLIC_PACKAGES = [
  '@bulwark/cli',
  '@bulwark/config',
  '@bulwark/contract',
  '@bulwark/db',
  '@bulwark/gate',
  '@bulwark/keys',
  '@bulwark/kit',
  '@bulwark/ledger',
  '@bulwark/memory',
  '@bulwark/release',
  '@bulwark/verify',
];

const scratch = mkdtempSync(join(tmpdir(), 'bw-pack-twice-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Files under dir, not in a node_modules (a dependency someone installed there is no source). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((path) => !relative(dir, path).split(/[\\/]/).includes('node_modules'));
}

function listing(tarball: string): string[] {
  return execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
}

function digestOf(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

describe('packing this repository', () => {
  let first: PackedTarball[];

  beforeAll(async () => {
    await ensureCurrentDist();
    first = await packWorkspaces({
      root: REPOSITORY_ROOT,
      patterns: ['packages/*'],
      destination: join(scratch, 'first'),
    });
  }, 300_000);

  it('packs the public packages, not the private ones', async () => {
    expect(first.map((tarball) => tarball.name).sort()).toEqual(PUBLIC_PACKAGES);
    const released = await releasedWorkspaces(REPOSITORY_ROOT, ['packages/*']);
    expect(released.map((workspace) => workspace.name)).not.toContain('@bulwark/testkit');
    for (const tarball of first) {
      expect(tarball.file.startsWith(join(scratch, 'first'))).toBe(true);
      expect(tarball.sha256).toBe(digestOf(tarball.file));
      expect(tarball.bytes).toBe(statSync(tarball.file).size);
    }
  });

  it('the same commit packed again, its build files touched in between, gives the same bytes', async () => {
    // New times on every packed file: a tarball that carried them would change. In the past, and
    // never .tsbuildinfo, which is what tsc -b compares with the sources: a build is never
    // taken for up to date because of this test.
    const touched = new Date('2001-02-03T04:05:06Z');
    for (const workspace of await releasedWorkspaces(REPOSITORY_ROOT, ['packages/*'])) {
      for (const file of filesUnder(join(workspace.dir, 'dist'))) {
        if (!file.endsWith('.tsbuildinfo')) utimesSync(file, touched, touched);
      }
    }
    const second = await packWorkspaces({
      root: REPOSITORY_ROOT,
      patterns: ['packages/*'],
      destination: join(scratch, 'second'),
    });
    const digests = (tarballs: PackedTarball[]) =>
      tarballs.map(({ name, sha256, bytes }) => ({ name, sha256, bytes }));
    expect(digests(second)).toEqual(digests(first));
    for (const tarball of second) expect(tarball.sha256).toBe(digestOf(tarball.file));
  });

  it('a tarball holds the build and its package.json, no sources and no tests', () => {
    for (const tarball of first) {
      const paths = listing(tarball.file);
      expect(paths, tarball.name).toContain('package/package.json');
      expect(paths, tarball.name).toContain('package/dist/index.js');
      expect(paths, tarball.name).toContain('package/dist/index.d.ts');
      const stray = paths.filter(
        (path) => /^package\/(src|test)\//.test(path) || /\.tsbuildinfo$|\.test\.[jt]s$/.test(path),
      );
      expect(stray, tarball.name).toEqual([]);
    }
  });

  it('every file the sources hold besides TypeScript (styles, browser scripts) is in dist/', async () => {
    // tsc emits only what it compiles: a stylesheet read at run time is missing from an
    // installed package unless the build copies it.
    const workspaces = await releasedWorkspaces(REPOSITORY_ROOT, ['packages/*']);
    const missing = workspaces.flatMap((workspace) => {
      const tarball = first.find((candidate) => candidate.name === workspace.name)!;
      const paths = new Set(listing(tarball.file));
      return filesUnder(join(workspace.dir, 'src'))
        .filter((file) => !file.endsWith('.ts'))
        .map((file) => `dist/${relative(join(workspace.dir, 'src'), file).split('\\').join('/')}`)
        .filter((path) => !paths.has(`package/${path}`))
        .map((path) => `${workspace.name}: ${path}`);
    });
    expect(missing).toEqual([]);
  });
});

/** A two-package monorepo in a temp dir: the same packing on files the test may change. */
function fixtureRepository(): string {
  const root = mkdtempSync(join(scratch, 'repository-'));
  const write = (path: string, text: string, mode = 0o644) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
    chmodSync(join(root, path), mode);
  };
  write(
    'package.json',
    JSON.stringify({ name: 'fixture', private: true, workspaces: ['packages/*', 'tools/*'] }),
  );
  write(
    'packages/a/package.json',
    JSON.stringify({
      name: '@fixture/a',
      version: '1.2.3',
      type: 'module',
      bin: { a: './bin/a.mjs' },
      exports: {
        '.': {
          '@bulwark/source': './src/index.ts',
          types: './dist/index.d.ts',
          default: './dist/index.js',
        },
      },
      files: ['bin', 'dist'],
    }),
  );
  write('packages/a/bin/a.mjs', "#!/usr/bin/env node\nimport '../dist/index.js';\n", 0o755);
  write('packages/a/dist/index.js', 'export const a = 1;\n');
  write('packages/a/dist/index.d.ts', 'export declare const a = 1;\n');
  write('packages/a/src/index.ts', 'export const a = 1;\n');
  write(
    'packages/private/package.json',
    JSON.stringify({ name: '@fixture/private', version: '1.0.0', private: true }),
  );
  write('tools/t/package.json', JSON.stringify({ name: '@fixture/tool', version: '1.0.0' }));
  return root;
}

describe('packing, whatever the machine', () => {
  it('keeps only public workspaces the patterns match', async () => {
    const root = fixtureRepository();
    expect(await releasedWorkspaces(root, ['packages/*'])).toEqual([
      { name: '@fixture/a', version: '1.2.3', dir: join(root, 'packages', 'a') },
    ]);
    expect((await releasedWorkspaces(root, ['packages/*', 'tools/*'])).map((w) => w.name)).toEqual([
      '@fixture/a',
      '@fixture/tool',
    ]);
  });

  it('files written under umask 077 pack to the same bytes as under umask 022', async () => {
    const root = fixtureRepository();
    const pack = async (destination: string) =>
      (
        await packWorkspaces({
          root,
          patterns: ['packages/*'],
          destination: join(root, destination),
        })
      )[0]!;
    const canonical = await pack('canonical');
    // What a checkout and build under umask 077 leaves: owner-only files.
    const a = (path: string) => join(root, 'packages', 'a', path);
    for (const path of ['package.json', 'dist/index.js', 'dist/index.d.ts'])
      chmodSync(a(path), 0o600);
    chmodSync(a('bin/a.mjs'), 0o700);
    const owner = await pack('owner-only');
    expect(owner.sha256).toBe(canonical.sha256);
    // The exec bit is kept (git keeps it too); group and other get what umask 022 gives them.
    expect(statSync(a('dist/index.js')).mode & 0o777).toBe(0o644);
    expect(statSync(a('bin/a.mjs')).mode & 0o777).toBe(0o755);
    const modes = execFileSync('tar', ['-tvzf', owner.file], { encoding: 'utf8' });
    expect(modes).toMatch(/^-rwxr-xr-x .* package\/bin\/a\.mjs$/m);
    expect(modes).toMatch(/^-rw-r--r-- .* package\/dist\/index\.js$/m);
  });

  it('a package whose build is missing is refused, naming the files', async () => {
    const root = fixtureRepository();
    rmSync(join(root, 'packages', 'a', 'dist'), { recursive: true });
    const packing = packWorkspaces({
      root,
      patterns: ['packages/*'],
      destination: join(root, 'out'),
    });
    await expect(packing).rejects.toBeInstanceOf(ReleaseError);
    await expect(packing).rejects.toMatchObject({
      code: 'BW_RELEASE_PACK',
      message:
        '@fixture/a is missing dist/index.d.ts, dist/index.js from its tarball: build it first, or fix its package.json files',
    });
  });

  it('no matching public workspace, or npm failing, is a one-line BW_RELEASE_PACK', async () => {
    const root = fixtureRepository();
    await expect(
      packWorkspaces({ root, patterns: ['nothing/*'], destination: join(root, 'out') }),
    ).rejects.toMatchObject({
      code: 'BW_RELEASE_PACK',
      message: 'no public workspace matches nothing/*',
    });
    // A tree npm refuses to load: two workspaces with one name.
    cpSync(join(root, 'packages', 'a'), join(root, 'packages', 'b'), { recursive: true });
    const failure = await packWorkspaces({
      root,
      patterns: ['packages/*'],
      destination: join(root, 'out'),
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ReleaseError);
    expect((failure as ReleaseError).code).toBe('BW_RELEASE_PACK');
    expect((failure as ReleaseError).message).toMatch(
      /^npm pack failed: EDUPLICATEWORKSPACE: must not have multiple workspaces with the same name/,
    );
    expect((failure as ReleaseError).message).not.toContain('\n');
  });
});
