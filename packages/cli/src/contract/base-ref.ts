import { git } from '@bulwark/release';
import { UsageError } from '../exit-codes.js';

/**
 * The commit whose snapshots a pull request is judged against: the merge base of HEAD and the
 * base branch (local, else origin's), so a branch is compared with where it left main, not with
 * whatever main has gained since. An explicit ref is taken as it is.
 */
export async function resolveBaseCommit(
  root: string,
  options: { ref?: string | undefined; branch: string },
): Promise<{ commit: string; described: string }> {
  if (options.ref !== undefined) {
    const named = await git(root, ['rev-parse', '--verify', '--quiet', `${options.ref}^{commit}`]);
    if (!named.ok) throw new UsageError(`--base ${options.ref}: no such commit in ${root}`);
    return { commit: named.stdout.trim(), described: options.ref };
  }
  for (const branch of [options.branch, `origin/${options.branch}`]) {
    const base = await git(root, ['merge-base', 'HEAD', branch]);
    if (base.ok) return { commit: base.stdout.trim(), described: `merge base with ${branch}` };
  }
  throw new UsageError(
    `no branch ${options.branch} (or origin/${options.branch}) to compare with in ${root}; pass --base <ref>`,
  );
}

/** A file's text at a commit, or undefined when the commit does not have it. */
export async function fileAtCommit(
  root: string,
  commit: string,
  path: string,
): Promise<string | undefined> {
  const shown = await git(root, ['show', `${commit}:${path}`]);
  return shown.ok ? shown.stdout : undefined;
}
