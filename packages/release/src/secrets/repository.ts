import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { ReleaseError } from '../errors.js';
import { git } from './git-process.js';

export interface Repository {
  /** The work tree's top directory: every path the scan reports is relative to it. */
  readonly top: string;
  /** How git names a blob, so the scan can tell which history blobs the tree already covered. */
  blobId(content: Buffer): string;
}

/** The git repository at `root`; anything else is a BW_RELEASE_GIT error. */
export async function openRepository(root: string): Promise<Repository> {
  if (!existsSync(root)) throw new ReleaseError('BW_RELEASE_GIT', `${root} does not exist`);
  let output: string;
  try {
    output = await git(root, ['rev-parse', '--show-toplevel', '--show-object-format']);
  } catch (error) {
    // Other refusals (a repository owned by someone else) keep git's own reason.
    if (/not a git repository/.test((error as Error).message)) {
      throw new ReleaseError('BW_RELEASE_GIT', `${root} is not a git repository`);
    }
    throw error;
  }
  const [top, format] = output.trim().split('\n');
  if (!top) throw new ReleaseError('BW_RELEASE_GIT', `${root} has no work tree`);
  const algorithm = format === 'sha256' ? 'sha256' : 'sha1';
  return {
    top,
    blobId(content) {
      return createHash(algorithm)
        .update(`blob ${content.byteLength}\0`)
        .update(content)
        .digest('hex');
    },
  };
}

/**
 * The files a release is made from: everything tracked, and everything untracked that is not
 * ignored (a new file with a key in it is about to be committed). Paths relative to the top.
 */
export async function treeFiles(repository: Repository): Promise<string[]> {
  const output = await git(repository.top, [
    'ls-files',
    '-z',
    '--cached',
    '--others',
    '--exclude-standard',
  ]);
  return [...new Set(output.split('\0').filter((path) => path !== ''))];
}
