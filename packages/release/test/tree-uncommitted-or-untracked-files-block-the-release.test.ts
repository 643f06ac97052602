import { describe, expect, it } from 'vitest';
import { ReleaseError } from '../src/errors.js';
import { checkTree, MAX_LISTED_CHANGES } from '../src/tree/index.js';
import { tempDir, tempRepo } from './tree-temp-repo.js';

const POLICY = { branches: ['main', 'release/*'], tags: 'v*' };

function committedRepo() {
  const repo = tempRepo();
  repo.write('README.md', 'hello\n');
  repo.write('src/app.ts', 'export const a = 1;\n');
  repo.write('.gitignore', 'dist/\n');
  repo.commit('first');
  return repo;
}

describe('check tree: the working tree', () => {
  it('passes a clean tree on main, ignored files included', async () => {
    const repo = committedRepo();
    repo.write('dist/bundle.js', 'built\n');
    const result = await checkTree({ root: repo.root, ...POLICY });
    expect(result).toMatchObject({ check: 'tree', status: 'pass', findings: [] });
    expect(result.summary).toMatch(/^clean working tree; on branch main \([0-9a-f]{12}\)$/);
  });

  it('blocks on a modified file, a staged file, a staged rename and an untracked file, one finding each', async () => {
    const repo = committedRepo();
    repo.write('README.md', 'changed\n');
    repo.write('src/new.ts', 'export const b = 2;\n');
    repo.git('add', 'src/new.ts');
    repo.git('mv', 'src/app.ts', 'src/main.ts');
    repo.write('notes.txt', 'scratch\n');
    const result = await checkTree({ root: repo.root, ...POLICY });
    expect(result.status).toBe('fail');
    expect(result.summary).toMatch(/^3 uncommitted changes and 1 untracked file; on branch main/);
    const byId = new Map(result.findings.map((f) => [f.id, f]));
    expect([...byId.keys()].sort()).toEqual([
      'README.md',
      'notes.txt',
      'src/main.ts',
      'src/new.ts',
    ]);
    expect(byId.get('README.md')).toMatchObject({
      message: 'README.md is modified, not staged: commit or discard it',
      location: 'README.md',
    });
    expect(byId.get('src/new.ts')?.message).toBe(
      'src/new.ts is added, staged: commit or discard it',
    );
    expect(byId.get('src/main.ts')?.message).toBe(
      'src/main.ts (from src/app.ts) is renamed, staged: commit or discard it',
    );
    expect(byId.get('notes.txt')?.message).toBe(
      'notes.txt is untracked: commit it, delete it or add it to .gitignore',
    );
  });

  it(`lists at most ${MAX_LISTED_CHANGES} files and counts the rest`, async () => {
    const repo = committedRepo();
    for (let i = 0; i < MAX_LISTED_CHANGES + 7; i++) repo.write(`out/file-${i}.txt`, `${i}\n`);
    const result = await checkTree({ root: repo.root, ...POLICY });
    expect(result.status).toBe('fail');
    expect(result.findings).toHaveLength(MAX_LISTED_CHANGES + 1);
    expect(result.findings.at(-1)).toMatchObject({
      id: 'tree:more-changes',
      message: 'and 7 more uncommitted or untracked files (git status lists them all)',
    });
    expect(result.summary).toMatch(/^57 untracked files;/);
  });

  it('refuses a directory that is not a repository, and a repository without a commit', async () => {
    const plain = tempDir('bw-release-plain-');
    await expect(checkTree({ root: plain, ...POLICY })).rejects.toMatchObject({
      name: 'ReleaseError',
      code: 'BW_RELEASE_GIT',
      message: `${plain} is not a git repository`,
    });
    const empty = tempRepo();
    const error = await checkTree({ root: empty.root, ...POLICY }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReleaseError);
    expect(error).toMatchObject({
      code: 'BW_RELEASE_GIT',
      message: `${empty.root} has no commits yet: commit before releasing`,
    });
  });
});
