import picomatch from 'picomatch';
import { git, gitOutput, headCommit, releaseTagsAtHead } from '../git.js';
import { type ReleaseCheckResult, type ReleaseFinding, statusOf } from '../model.js';
import { parsePorcelainStatus, type TreeChange } from './working-tree-status.js';

export interface TreeCheckOptions {
  /** The repository (absolute). */
  readonly root: string;
  /** Branches releases are made from (picomatch globs: `main`, `release/*`). */
  readonly branches: readonly string[];
  /** Release tags, as a `git tag --list` pattern (`v*`). */
  readonly tags: string;
}

/** Enough changed files to act on; the rest are counted, so a huge untracked build does not flood the report. */
export const MAX_LISTED_CHANGES = 50;

/**
 * Check `tree`: what is released is exactly a commit. Every uncommitted change (staged or not) and
 * every untracked file git does not ignore is a finding, and HEAD must be on a release branch or
 * exactly at a release tag (a detached HEAD elsewhere is a commit nobody named). A directory that
 * is not a repository, or has no commit, is a ReleaseError (BW_RELEASE_GIT).
 */
export async function checkTree(options: TreeCheckOptions): Promise<ReleaseCheckResult> {
  const { root } = options;
  const commit = await headCommit(root);
  const status = await gitOutput(root, ['status', '--porcelain=v1', '-z', '--untracked-files=all']);
  const changes = parsePorcelainStatus(status).filter((change) => change.state !== 'ignored');
  const findings: ReleaseFinding[] = changes.slice(0, MAX_LISTED_CHANGES).map(changeFinding);
  if (changes.length > MAX_LISTED_CHANGES) {
    const more = changes.length - MAX_LISTED_CHANGES;
    findings.push({
      id: 'tree:more-changes',
      message: `and ${more} more uncommitted or untracked file${more === 1 ? '' : 's'} (git status lists them all)`,
    });
  }

  const position = await headPosition(root, options);
  if (position.finding) findings.push(position.finding);

  const dirty = changes.length === 0 ? 'clean working tree' : describeChanges(changes);
  return {
    check: 'tree',
    status: statusOf(findings),
    summary: `${dirty}; ${position.description} (${commit.slice(0, 12)})`,
    findings,
  };
}

function changeFinding(change: TreeChange): ReleaseFinding {
  const renamed = change.from ? ` (from ${change.from})` : '';
  const advice = change.untracked
    ? ': commit it, delete it or add it to .gitignore'
    : ': commit or discard it';
  return {
    id: change.path,
    message: `${change.path}${renamed} is ${change.state}${advice}`,
    location: change.path,
  };
}

function describeChanges(changes: readonly TreeChange[]): string {
  const untracked = changes.filter((change) => change.untracked).length;
  const changed = changes.length - untracked;
  const parts: string[] = [];
  if (changed > 0) parts.push(`${changed} uncommitted change${changed === 1 ? '' : 's'}`);
  if (untracked > 0) parts.push(`${untracked} untracked file${untracked === 1 ? '' : 's'}`);
  return parts.join(' and ');
}

/** Where HEAD is, and the finding when that is not a place releases are made from. */
async function headPosition(
  root: string,
  options: TreeCheckOptions,
): Promise<{ description: string; finding?: ReleaseFinding }> {
  const policy = `releases are made from ${options.branches.join(', ') || 'no branch'} or at a tag matching ${options.tags}`;
  const tags = await releaseTagsAtHead(root, options.tags);
  const branchRef = await git(root, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
  const atTag = tags.length > 0 ? `at tag ${tags.join(', ')}` : undefined;
  if (branchRef.ok) {
    const branch = branchRef.stdout.trim();
    const releaseBranch = options.branches.length > 0 && picomatch([...options.branches])(branch);
    const description = `on branch ${branch}${atTag ? `, ${atTag}` : ''}`;
    if (releaseBranch || atTag) return { description };
    return {
      description,
      finding: {
        id: `branch:${branch}`,
        message: `HEAD is on branch ${branch}, which is not a release branch: ${policy}`,
        location: branch,
      },
    };
  }
  if (atTag) return { description: `detached HEAD ${atTag}` };
  return {
    description: 'detached HEAD',
    finding: {
      id: 'detached-head',
      message: `HEAD is detached and not at a tag matching ${options.tags}: ${policy}`,
    },
  };
}
