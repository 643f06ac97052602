import { describe, expect, it } from 'vitest';
import { checkTree } from '../src/tree/index.js';
import { tempRepo } from './tree-temp-repo.js';

const POLICY = { branches: ['main', 'release/*'], tags: 'v*' };

function repoWithTag() {
  const repo = tempRepo();
  repo.write('README.md', 'one\n');
  repo.commit('first');
  repo.git('tag', '-a', 'v1.0.0', '-m', 'v1.0.0');
  repo.write('README.md', 'two\n');
  repo.commit('second');
  return repo;
}

describe('check tree: where HEAD is', () => {
  it('blocks a feature branch, naming the branch and the policy', async () => {
    const repo = repoWithTag();
    repo.git('switch', '-q', '-c', 'feature/login');
    const result = await checkTree({ root: repo.root, ...POLICY });
    expect(result.status).toBe('fail');
    expect(result.findings).toEqual([
      {
        id: 'branch:feature/login',
        message:
          'HEAD is on branch feature/login, which is not a release branch: releases are made from main, release/* or at a tag matching v*',
        location: 'feature/login',
      },
    ]);
  });

  it('passes a release/* branch (a picomatch glob)', async () => {
    const repo = repoWithTag();
    repo.git('switch', '-q', '-c', 'release/1.x');
    const result = await checkTree({ root: repo.root, ...POLICY });
    expect(result).toMatchObject({ status: 'pass', findings: [] });
    expect(result.summary).toContain('on branch release/1.x');
  });

  it('passes a detached HEAD exactly at v1.0.0 (an annotated tag)', async () => {
    const repo = repoWithTag();
    repo.git('checkout', '-q', '--detach', 'v1.0.0');
    const result = await checkTree({ root: repo.root, ...POLICY });
    expect(result).toMatchObject({ status: 'pass', findings: [] });
    expect(result.summary).toMatch(/^clean working tree; detached HEAD at tag v1.0.0 \(/);
  });

  it('blocks a detached HEAD that no release tag names, and one at a tag outside the pattern', async () => {
    const repo = repoWithTag();
    repo.git('tag', 'nightly');
    repo.git('checkout', '-q', '--detach', 'HEAD');
    const result = await checkTree({ root: repo.root, ...POLICY });
    expect(result.status).toBe('fail');
    expect(result.findings).toEqual([
      {
        id: 'detached-head',
        message:
          'HEAD is detached and not at a tag matching v*: releases are made from main, release/* or at a tag matching v*',
      },
    ]);
  });
});
