import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * A real git repository in a temporary directory, for the tree and version checks. Commits are
 * made with an explicit identity and no signing, and the user's and system's git configuration
 * is ignored, so the tests behave the same on every machine.
 */
export interface TempRepo {
  readonly root: string;
  write(path: string, text: string): void;
  writeJson(path: string, value: unknown): void;
  git(...args: string[]): string;
  /** Stages everything and commits it. */
  commit(message?: string): void;
}

const created: string[] = [];
process.on('exit', () => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
  GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
};

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export function tempRepo(): TempRepo {
  const root = tempDir('bw-release-tree-');
  const git = (...args: string[]): string =>
    execFileSync(
      'git',
      [
        '-c',
        'user.name=Release Test',
        '-c',
        'user.email=release-test@example.com',
        '-c',
        'commit.gpgsign=false',
        '-c',
        'tag.gpgsign=false',
        ...args,
      ],
      { cwd: root, env: GIT_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
  git('init', '-q', '-b', 'main');
  const write = (path: string, text: string): void => {
    const file = join(root, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  };
  return {
    root,
    write,
    writeJson: (path, value) => write(path, `${JSON.stringify(value, null, 2)}\n`),
    git,
    commit: (message = 'change') => {
      git('add', '-A');
      git('commit', '-q', '--allow-empty', '-m', message);
    },
  };
}
