import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Repository, treeFiles } from './repository.js';
import { isBinary, type SecretSighting } from './scan-limits.js';
import { detectSecrets } from './secret-engine.js';

export interface TreeScan {
  readonly sightings: SecretSighting[];
  /** Text files scanned. */
  readonly files: number;
  /** Files over the size bound, not scanned. */
  readonly tooLarge: string[];
  /** The git blob ids of the files scanned, so the history scan skips those blobs. */
  readonly blobIds: Set<string>;
}

/**
 * Scans the files of the work tree as they are on disk (what is about to be released), skipping
 * excluded paths, symbolic links, submodules, binaries and files over `maxBytes`.
 */
export async function scanTree(
  repository: Repository,
  options: { excluded: (path: string) => boolean; maxBytes: number },
): Promise<TreeScan> {
  const sightings: SecretSighting[] = [];
  const tooLarge: string[] = [];
  const blobIds = new Set<string>();
  let files = 0;
  for (const path of await treeFiles(repository)) {
    if (options.excluded(path)) continue;
    const file = join(repository.top, path);
    const stats = await lstat(file).catch(() => undefined);
    // Deleted but still tracked, a symbolic link (its target is scanned as its own file), a
    // submodule's directory: nothing to read here.
    if (!stats?.isFile()) continue;
    if (stats.size > options.maxBytes) {
      tooLarge.push(path);
      continue;
    }
    const content = await readFile(file);
    if (isBinary(content)) continue;
    files += 1;
    blobIds.add(repository.blobId(content));
    for (const secret of await detectSecrets(content.toString('utf8'), path)) {
      sightings.push({ ...secret, path });
    }
  }
  return { sightings, files, tooLarge, blobIds };
}
