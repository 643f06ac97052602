import type { Dirent } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { sha256Hex } from '@bulwark/keys';
import { ARTIFACTS_DIR, artifactFile } from './layout.js';
import type { ArtifactRecord, EvidenceBundle } from './model.js';

export interface ArtifactCheck {
  /** As bundle.json lists it (or, for an extra file, where it was found), `artifacts/...`. */
  readonly path: string;
  readonly ok: boolean;
  /** missing, altered, an extra file bundle.json does not list, or an unsafe path. */
  readonly problem?: string;
}

/** Every artifact bundle.json lists, each path once. */
export function listedArtifacts(bundle: EvidenceBundle): Map<string, ArtifactRecord> {
  const listed = new Map<string, ArtifactRecord>();
  for (const criterion of bundle.criteria) {
    for (const check of criterion.checks) {
      for (const record of check.artifacts) listed.set(record.path, record);
    }
  }
  return listed;
}

/**
 * Checks the artifacts/ folder against bundle.json: each listed file is there, a regular file
 * (a symbolic link could point anywhere), with the listed size and SHA-256; and nothing is there
 * that bundle.json does not list, since an unlisted file would read as evidence nobody signed.
 */
export async function checkArtifacts(
  dir: string,
  bundle: EvidenceBundle,
): Promise<ArtifactCheck[]> {
  const listed = listedArtifacts(bundle);
  const checks: ArtifactCheck[] = [];
  for (const [path, record] of listed) checks.push(await checkOne(dir, path, record));
  for (const path of await filesUnder(dir)) {
    if (!listed.has(path)) {
      checks.push({ path, ok: false, problem: 'extra file, not listed in bundle.json' });
    }
  }
  return checks;
}

async function checkOne(dir: string, path: string, record: ArtifactRecord): Promise<ArtifactCheck> {
  const file = artifactFile(dir, path);
  if (file === undefined) {
    return { path, ok: false, problem: 'unsafe path: bundle.json points outside artifacts/' };
  }
  try {
    const stats = await lstat(file);
    if (stats.isSymbolicLink()) return { path, ok: false, problem: 'a symbolic link, not a file' };
    if (!stats.isFile()) return { path, ok: false, problem: 'not a regular file' };
    const bytes = await readFile(file);
    if (bytes.length !== record.bytes || sha256Hex(bytes) !== record.sha256) {
      return { path, ok: false, problem: 'altered: its SHA-256 differs from bundle.json' };
    }
    return { path, ok: true };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { path, ok: false, problem: 'missing' };
    return { path, ok: false, problem: `unreadable: ${code ?? (error as Error).message}` };
  }
}

/** Every non-directory entry under `<dir>/artifacts`, as `artifacts/...` paths; symlinks not followed. */
async function filesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      // artifacts/ itself a file, say: report it as an entry nothing lists.
      if (code === 'ENOTDIR') {
        found.push(relative(dir, folder).split(sep).join('/'));
        return;
      }
      throw error;
    }
    for (const entry of entries) {
      const full = join(folder, entry.name);
      if (entry.isDirectory()) await walk(full);
      else found.push(relative(dir, full).split(sep).join('/'));
    }
  };
  await walk(join(dir, ARTIFACTS_DIR));
  return found.sort();
}
