import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ReleaseError } from './errors.js';

const execFileAsync = promisify(execFile);

export interface GitResult {
  readonly ok: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs one read-only git command in `root`. A non-zero exit is a result (`ok: false`), not an
 * error, because several questions (is HEAD on a branch? does this file exist at that tag?) are
 * answered by the exit code; only a missing git binary throws.
 */
export async function git(root: string, args: readonly string[]): Promise<GitResult> {
  try {
    const { stdout, stderr } = await execFileAsync('git', ['-C', root, ...args], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    return { ok: true, stdout, stderr };
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (failure.code === 'ENOENT') {
      throw new ReleaseError('BW_RELEASE_GIT', 'git is not installed (not found on PATH)');
    }
    return { ok: false, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}

/** The output of a git command that must succeed; a failure is a ReleaseError naming the command. */
export async function gitOutput(root: string, args: readonly string[]): Promise<string> {
  const result = await git(root, args);
  if (!result.ok) {
    throw new ReleaseError(
      'BW_RELEASE_GIT',
      `git ${args[0]} failed in ${root}: ${firstLine(result.stderr) || 'no message'}`,
    );
  }
  return result.stdout;
}

/**
 * The commit HEAD names. A directory that is not a git repository, or one without a commit,
 * cannot be released: both are ReleaseErrors (BW_RELEASE_GIT), not findings.
 */
export async function headCommit(root: string): Promise<string> {
  const repository = await git(root, ['rev-parse', '--git-dir']);
  if (!repository.ok) {
    const why = firstLine(repository.stderr);
    throw new ReleaseError(
      'BW_RELEASE_GIT',
      /not a git repository/i.test(why) || why === ''
        ? `${root} is not a git repository`
        : `${root}: ${why}`,
    );
  }
  const head = await git(root, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
  if (!head.ok) {
    throw new ReleaseError('BW_RELEASE_GIT', `${root} has no commits yet: commit before releasing`);
  }
  return head.stdout.trim();
}

/** Release tags (matching git's `tag --list` pattern) that point at HEAD. */
export async function releaseTagsAtHead(root: string, pattern: string): Promise<string[]> {
  return lines(await gitOutput(root, ['tag', '--list', pattern, '--points-at', 'HEAD']));
}

export function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

function firstLine(text: string): string {
  return (
    text
      .trim()
      .split('\n')[0]
      ?.replace(/^(fatal|error): /, '') ?? ''
  );
}

/** The commit HEAD names and its tree: what an attestation's source is. */
export async function sourceOf(root: string): Promise<{ commit: string; tree: string }> {
  const commit = await headCommit(root);
  const tree = (await gitOutput(root, ['rev-parse', 'HEAD^{tree}'])).trim();
  return { commit, tree };
}
