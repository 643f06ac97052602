/**
 * A checkout of another commit beside this one, for benchmarks that compare a change against
 * its base in the same run (`bench:kit --against REF`). It runs on this checkout's installed
 * dependencies: its node_modules links every package here, except the workspace's own
 * packages, which link to the checkout's sources. A commit whose dependencies differ from this
 * install's is therefore measured on this install's versions. Its bench servers are replaced by
 * this checkout's, so both sides serve the same route through the same harness and only the
 * packages differ.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const git = (...args: string[]) =>
  execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

export interface Checkout {
  /** The checkout's root directory. */
  readonly root: string;
  /** The commit, abbreviated. */
  readonly commit: string;
  remove(): void;
}

/** Checks out `ref` into a temporary directory; throws a one-line Error for an unknown ref. */
export function checkout(ref: string): Checkout {
  let commit: string;
  try {
    commit = git('rev-parse', '--short', '--verify', `${ref}^{commit}`).trim();
  } catch {
    throw new Error(`--against ${ref}: not a commit in this repository`);
  }
  const root = mkdtempSync(join(tmpdir(), 'bulwark-bench-'));
  git('worktree', 'add', '--detach', '--quiet', root, commit);
  linkDependencies(root);
  cpSync(join(ROOT, 'bench', 'servers'), join(root, 'bench', 'servers'), { recursive: true });
  return {
    root,
    commit,
    remove: () => void git('worktree', 'remove', '--force', root),
  };
}

function linkDependencies(root: string): void {
  const installed = join(ROOT, 'node_modules');
  const target = join(root, 'node_modules');
  mkdirSync(join(target, '@bulwark'), { recursive: true });
  for (const name of readdirSync(installed)) {
    if (name !== '@bulwark') symlinkSync(join(installed, name), join(target, name));
  }
  // npm links workspace packages by relative path (../../packages/kit): copied as they are, the
  // links resolve to the checkout's own packages.
  for (const name of readdirSync(join(installed, '@bulwark'))) {
    symlinkSync(readlinkSync(join(installed, '@bulwark', name)), join(target, '@bulwark', name));
  }
}
