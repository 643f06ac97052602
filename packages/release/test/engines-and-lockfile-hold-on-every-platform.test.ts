import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { glob } from 'tinyglobby';
import { describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT } from './fixtures/pack/current-dist.js';

interface LockEntry {
  readonly version?: string;
  readonly resolved?: string;
  readonly integrity?: string;
  readonly link?: boolean;
  readonly inBundle?: boolean;
  readonly dev?: boolean;
  readonly optional?: boolean;
  readonly os?: readonly string[];
  readonly cpu?: readonly string[];
  readonly libc?: readonly string[];
  readonly engines?: { readonly node?: string } | readonly string[];
  readonly optionalDependencies?: Readonly<Record<string, string>>;
}

const root = JSON.parse(readFileSync(join(REPOSITORY_ROOT, 'package.json'), 'utf8')) as {
  engines?: { node?: string };
  workspaces: string[];
};
const lockfile = JSON.parse(readFileSync(join(REPOSITORY_ROOT, 'package-lock.json'), 'utf8')) as {
  lockfileVersion: number;
  packages: Readonly<Record<string, LockEntry>>;
};
const rootRange = root.engines?.node ?? '';

/** Installed packages: not the root, not a workspace's own entry, not a link to one. */
const installed = Object.entries(lockfile.packages).filter(
  ([path, entry]) => path.includes('node_modules/') && entry.link !== true,
);

/** `engines` is an object; some old packages publish an array of strings, which npm ignores. */
function nodeRangeOf(entry: LockEntry): string | undefined {
  const engines = entry.engines;
  return engines !== undefined && !Array.isArray(engines)
    ? (engines as { node?: string }).node
    : undefined;
}

describe('engines: every Node version the root accepts, every locked package accepts', () => {
  it('the root declares a valid engines.node range', () => {
    expect(semver.validRange(rootRange), `engines.node is "${rootRange}"`).not.toBeNull();
  });

  it('the root range is a subset of every locked package engines.node', () => {
    const offenders = installed.flatMap(([path, entry]) => {
      const range = nodeRangeOf(entry);
      // A range semver cannot read is one npm cannot check either: report it too.
      if (range === undefined) return [];
      const accepts = semver.validRange(range) !== null && semver.subset(rootRange, range);
      return accepts ? [] : [`${path.replace(/^.*node_modules\//, '')}@${entry.version}: ${range}`];
    });
    expect(
      offenders,
      `the root's engines.node "${rootRange}" admits Node versions these packages refuse`,
    ).toEqual([]);
  });

  it('every workspace that declares engines.node declares the root range', async () => {
    // Private workspaces too: the services run on the same Node as the packages.
    const dirs = await glob(root.workspaces, {
      cwd: REPOSITORY_ROOT,
      onlyDirectories: true,
      expandDirectories: false,
      ignore: ['**/node_modules/**'],
    });
    const manifests = dirs
      .map((dir) => join(REPOSITORY_ROOT, dir, 'package.json'))
      .filter((file) => existsSync(file))
      .map(
        (file) =>
          JSON.parse(readFileSync(file, 'utf8')) as { name: string; engines?: { node?: string } },
      );
    expect(manifests.length).toBeGreaterThan(1);
    const differing = manifests.flatMap(({ name, engines }) =>
      engines?.node === undefined || engines.node === rootRange ? [] : [`${name}: ${engines.node}`],
    );
    expect(differing, `the root's engines.node is "${rootRange}"`).toEqual([]);
  });
});

/** Where `npm ci` must work: CI, the two common laptops, Windows. */
const PLATFORMS = [
  { os: 'linux', cpu: 'x64' },
  { os: 'linux', cpu: 'arm64' },
  { os: 'darwin', cpu: 'arm64' },
  { os: 'win32', cpu: 'x64' },
] as const;

/** Tools that ship one native binary per platform as optional dependencies. */
const NATIVE_FAMILIES = ['esbuild', '@biomejs/biome', 'rollup', 'rolldown'];

describe('the lockfile installs on every platform', () => {
  it(`holds each native tool's binary for ${PLATFORMS.map((p) => `${p.os}-${p.cpu}`).join(', ')}`, () => {
    // npm writes into the lockfile only the optional platform packages it resolved; a lockfile
    // regenerated on a machine that skipped the others makes `npm ci` elsewhere install no
    // binary at all (npm/cli#4828).
    const families = installed.filter(([path]) =>
      NATIVE_FAMILIES.some((family) => path.endsWith(`node_modules/${family}`)),
    );
    expect(families.length, 'no native tool found in the lockfile').toBeGreaterThan(0);
    const missing = families.flatMap(([path, entry]) => {
      const binaries = Object.keys(entry.optionalDependencies ?? {}).map((name) =>
        lockedEntry(path, name),
      );
      return PLATFORMS.filter(
        (platform) =>
          !binaries.some(
            (binary) =>
              binary?.os?.includes(platform.os) === true &&
              binary.cpu?.includes(platform.cpu) === true &&
              // On Linux the glibc build: musl is Alpine's.
              (platform.os !== 'linux' ||
                binary.libc === undefined ||
                binary.libc.includes('glibc')),
          ),
      ).map(
        (platform) => `${path.replace(/^.*node_modules\//, '')}: ${platform.os}-${platform.cpu}`,
      );
    });
    expect(missing, 'no locked binary for').toEqual([]);
  });

  it('pins every installed package by integrity, fetched from a registry', () => {
    expect(lockfile.lockfileVersion).toBeGreaterThanOrEqual(2);
    // A bundled package comes inside its parent's tarball: it has no integrity of its own.
    const fetched = installed.filter(([, entry]) => entry.inBundle !== true);
    expect(fetched.length).toBeGreaterThan(0);
    const unpinned = fetched
      .filter(([, entry]) => !entry.version || !/^sha512-/.test(entry.integrity ?? ''))
      .map(([path]) => path);
    expect(unpinned, 'locked without a version or a sha512 integrity').toEqual([]);
    // npm writes no `resolved` for registry packages when the lockfile was made with
    // omit-lockfile-registry-resolved: `npm ci` then fetches name@version from the configured
    // registry and checks the integrity. A `resolved` that is there must be a registry URL: a
    // file:, git or plain-http source exists on one machine, or cannot be checked.
    const elsewhere = fetched
      .filter(([, entry]) => entry.resolved !== undefined && !/^https:\/\//.test(entry.resolved))
      .map(([path, entry]) => `${path}: ${entry.resolved}`);
    expect(elsewhere, 'resolved somewhere other than an https registry').toEqual([]);
  });
});

/** The entry Node would load for `name` required from the package at `from` (nested first). */
function lockedEntry(from: string, name: string): LockEntry | undefined {
  let base = from;
  for (;;) {
    const found = lockfile.packages[`${base}/node_modules/${name}`];
    if (found) return found;
    const up = base.lastIndexOf('/node_modules/');
    if (up < 0) return lockfile.packages[`node_modules/${name}`];
    base = base.slice(0, up);
  }
}
