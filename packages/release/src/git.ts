import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ReleaseError } from './errors.js';

const run = promisify(execFile);

/** One git command's stdout, trimmed; a failure is a ReleaseError with git's first line. */
export async function git(root: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await run('git', [...args], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
    return stdout.trim();
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? '').trim();
    const line = stderr.split('\n')[0] || (error as Error).message.split('\n')[0];
    throw new ReleaseError('BW_RELEASE_GIT', `git ${args[0]}: ${line}`);
  }
}

/** The commit HEAD names and its tree: what an attestation's source is. */
export async function sourceOf(root: string): Promise<{ commit: string; tree: string }> {
  const [commit, tree] = (await git(root, ['rev-parse', 'HEAD', 'HEAD^{tree}'])).split('\n');
  if (!commit || !tree) throw new ReleaseError('BW_RELEASE_GIT', 'HEAD names no commit');
  return { commit, tree };
}
