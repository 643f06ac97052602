import { chmod, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ReleaseError } from '../errors.js';

/**
 * Why packing touches file modes. `npm pack` is almost reproducible by itself: pacote writes every
 * entry with the same mtime (1985-10-26), no owner (tar's portable mode), in one sorted order
 * (npm-packlist sorts by extension, name, path), gzipped at level 9. The exception is the mode:
 * node-tar keeps each file's mode, only widened to owner read-write and narrowed by umask 022.
 * So a checkout or build under umask 077 (0600 files) or with a stray exec bit packs different
 * bytes from the same commit. The canonical mode is what git itself keeps of a mode, the owner's
 * exec bit: 0755 with it, 0644 without, which is what a checkout under umask 022 gives.
 */
export function isCanonicalMode(mode: number): boolean {
  const permissions = mode & 0o7777;
  return permissions === 0o644 || permissions === 0o755;
}

export function canonicalMode(mode: number): number {
  return mode & 0o100 ? 0o755 : 0o644;
}

/**
 * Sets each packed file (paths relative to its package directory) to its canonical mode. The files
 * are build output or tracked files whose exec bit is kept, so `git status` does not change.
 */
export async function canonicalizeModes(dir: string, paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    const file = join(dir, path);
    try {
      const { mode } = await stat(file);
      await chmod(file, canonicalMode(mode));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'failed';
      throw new ReleaseError('BW_RELEASE_PACK', `cannot set the mode of ${file}: ${code}`);
    }
  }
}
