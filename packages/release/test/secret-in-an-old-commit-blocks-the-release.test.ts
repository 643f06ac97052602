import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { scanSecrets } from '../src/secrets/index.js';
import {
  expectNoSecretIn,
  fakeAwsCredentials,
  makeTestRepo,
  type TestRepo,
} from './secrets-test-repo.js';

const repos: TestRepo[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) repo.remove();
});

function repo(): TestRepo {
  const made = makeTestRepo();
  repos.push(made);
  return made;
}

function scan(at: TestRepo, history: boolean) {
  return scanSecrets({
    root: at.dir,
    baselineFile: join(at.dir, '.bulwark/release/secrets-baseline.yaml'),
    history,
    exclude: [],
    now: new Date('2026-06-01T00:00:00Z'),
  });
}

describe('the secret scan of the history', () => {
  it('fails on a secret deleted in a later commit, naming the commit that added it', async () => {
    const project = repo();
    const aws = fakeAwsCredentials();
    project.write('README.md', '# project\n');
    project.commit('start');
    project.write('ops/creds.env', `# temporary\n${aws.text}`);
    const added = project.commit('add credentials');
    project.git('rm', '-q', 'ops/creds.env');
    project.commit('remove credentials');
    project.write('README.md', '# project\n\nMore docs.\n');
    project.commit('docs');

    const treeOnly = await scan(project, false);
    expect(treeOnly.status).toBe('pass');
    expect(treeOnly.summary).toBe('scanned 1 file (history not scanned): 0 secrets (0 waived)');

    const result = await scan(project, true);
    expect(result.status).toBe('fail');
    // README's first version and the credentials file: the current README is the tree's.
    expect(result.summary).toBe('scanned 1 file and 2 history blobs: 1 secret (0 waived)');
    expect(result.findings).toHaveLength(1);
    const [finding] = result.findings;
    expect(finding?.location).toBe(`${added}:ops/creds.env:3`);
    expect(finding?.message).toContain(`added by commit ${added.slice(0, 12)} at ops/creds.env:3`);
    expect(finding).toMatchObject({
      locations: [{ path: 'ops/creds.env', line: 3, commit: added }],
    });
    expectNoSecretIn(result, [aws.secret]);
  });

  it('finds secrets on other branches, and reports one still in the tree only there', async () => {
    const project = repo();
    const kept = fakeAwsCredentials();
    const onBranch = fakeAwsCredentials();
    project.write('app.env', kept.text);
    project.commit('first');
    project.write('app.env', `# edited\n${kept.text}`);
    project.commit('edit keeps the secret');
    project.git('checkout', '-q', '-b', 'experiment');
    project.write('experiment.env', onBranch.text);
    const branchCommit = project.commit('experiment');
    project.git('checkout', '-q', 'main');

    const result = await scan(project, true);

    expect(result.status).toBe('fail');
    const byLocation = result.findings.map((finding) => finding.location).sort();
    // The secret still in app.env is reported there, once, not again for its older version.
    expect(byLocation).toEqual([`${branchCommit}:experiment.env:2`, 'app.env:3'].sort());
    expectNoSecretIn(result, [kept.secret, onBranch.secret]);
  });

  it('reads each blob once and skips the ones the tree scan already read', async () => {
    const project = repo();
    project.write('a.txt', 'version one\n');
    project.write('b.txt', 'shared content\n');
    project.commit('first');
    project.write('a.txt', 'version two\n');
    project.write('c.txt', 'shared content\n');
    project.commit('second');
    project.write('a.txt', 'version one\n');
    project.commit('revert a');

    const result = await scan(project, true);

    // Tree: a (v1), b, c (same blob as b). History adds only a's second version.
    expect(result.summary).toBe('scanned 3 files and 1 history blob: 0 secrets (0 waived)');
  });
});
