import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type KeyProvider,
  keyringOf,
  MemoryAuditSink,
  openFileKeyProvider,
  type PublicKeyring,
  type Signer,
  sha256Hex,
} from '@bulwark/keys';
import { type SignedRelease, signRelease } from '../src/attestation/index.js';
import type { SignoffRoles } from '../src/signoff/index.js';

/**
 * One release as `bulwark release sign` leaves it, made with real parts: a git repository in a
 * temp dir (the commit and tree), tarball and SBOM files, and file key providers (dev keystores)
 * for the release key and the approvers' keys, so every test reads what production writes.
 */

const created: string[] = [];
process.on('exit', () => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix = 'bw-attest-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export interface Keystore {
  readonly provider: KeyProvider;
  readonly audit: MemoryAuditSink;
  readonly signers: Record<string, Signer>;
  readonly keyring: PublicKeyring;
}

/** A file keystore in a temporary directory holding `<name>/v1` for each name. */
export async function keystore(...names: string[]): Promise<Keystore> {
  const audit = new MemoryAuditSink();
  const provider = await openFileKeyProvider({ dir: join(tempDir('bw-keys-'), 'keys'), audit });
  const signers: Record<string, Signer> = {};
  for (const name of names) {
    await provider.create(name);
    signers[name] = await provider.open(name);
  }
  return { provider, audit, signers, keyring: await keyringOf(provider) };
}

export const VERSION = '1.4.0';
export const ROLES: SignoffRoles = {
  security: { keys: ['security-lead/v1'] },
  'release-manager': { keys: ['release-manager/v1'] },
};
export const NOW = new Date('2026-07-01T09:30:00.000Z');

export interface ReleaseScene {
  readonly dir: string;
  readonly outDir: string;
  readonly tarballDir: string;
  readonly tarballs: { file: string; sha256: string }[];
  readonly sbom: { file: string; sha256: string };
  readonly commit: string;
  readonly treeHash: string;
  readonly release: Keystore;
  readonly approvers: Keystore;
}

/** A repository, two tarballs, an SBOM, the release key and three approver keys. */
export async function releaseScene(): Promise<ReleaseScene> {
  const dir = tempDir();
  const repo = join(dir, 'repo');
  mkdirSync(repo);
  const git = (...args: string[]) =>
    execFileSync(
      'git',
      ['-c', 'user.name=Release', '-c', 'user.email=release@example.test', ...args],
      {
        cwd: repo,
        encoding: 'utf8',
      },
    ).trim();
  git('init', '-q', '-b', 'main');
  writeFileSync(join(repo, 'README.md'), '# released\n');
  git('add', '.');
  git('commit', '-q', '-m', 'release 1.4.0');
  const commit = git('rev-parse', 'HEAD');
  const treeHash = git('rev-parse', 'HEAD^{tree}');

  const tarballDir = join(dir, 'tarballs');
  mkdirSync(tarballDir);
  const tarballs = ['bulwark-kit-1.4.0.tgz', 'bulwark-keys-1.4.0.tgz'].map((name) => {
    const file = join(tarballDir, name);
    writeFileSync(file, `package bytes of ${name}\n`);
    return { file, sha256: sha256Hex(readFileSync(file)) };
  });
  const sbomFile = join(dir, 'sbom.cdx.json');
  writeFileSync(sbomFile, `${JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6' })}\n`);
  const sbom = { file: sbomFile, sha256: sha256Hex(readFileSync(sbomFile)) };

  return {
    dir,
    outDir: join(dir, 'out'),
    tarballDir,
    tarballs,
    sbom,
    commit,
    treeHash,
    release: await keystore('release'),
    approvers: await keystore('security-lead', 'release-manager', 'intern'),
  };
}

export function sign(
  scene: ReleaseScene,
  extra: { ledgerUrl?: string } = {},
): Promise<SignedRelease> {
  return signRelease({
    version: VERSION,
    commit: scene.commit,
    treeHash: scene.treeHash,
    tarballs: scene.tarballs,
    sbom: scene.sbom,
    signer: scene.release.signers.release as Signer,
    outDir: scene.outDir,
    now: NOW,
    ...extra,
  });
}

/** verifyRelease's trust for a scene: its release key, its approvers, ROLES, every role required. */
export function trustOf(scene: ReleaseScene) {
  return {
    releaseKeys: scene.release.keyring,
    approverKeys: scene.approvers.keyring,
    roles: ROLES,
    now: NOW,
  };
}
