import { describe, expect, it } from 'vitest';
import { checkVersion } from '../src/tree/index.js';
import { VERSION_POLICY, workspaceRepo } from './version-fixture-workspaces.js';

describe('check version: lockstep, semver and a bump since the last tag', () => {
  it('passes any valid version on a first release', async () => {
    const { repo } = workspaceRepo('0.1.0');
    const result = await checkVersion({ root: repo.root, ...VERSION_POLICY });
    expect(result).toMatchObject({
      check: 'version',
      status: 'pass',
      summary: '0.1.0 across 2 packages; first release',
      findings: [],
    });
  });

  it('blocks a version not bumped since the last tag, and passes once it is', async () => {
    const workspace = workspaceRepo('1.2.0');
    const { repo } = workspace;
    repo.git('tag', 'v1.2.0');
    repo.write('packages/kit/index.js', 'export {};\n');
    repo.commit('a fix');
    const stale = await checkVersion({ root: repo.root, ...VERSION_POLICY });
    expect(stale.status).toBe('fail');
    expect(stale.findings).toEqual([
      {
        id: 'not-bumped:1.2.0',
        message:
          'version 1.2.0 is not greater than the last release v1.2.0: bump it (npm version <patch|minor|major> --workspaces)',
        location: 'v1.2.0',
      },
    ]);

    workspace.setVersion('1.2.1');
    repo.commit('release 1.2.1');
    const bumped = await checkVersion({ root: repo.root, ...VERSION_POLICY });
    expect(bumped).toMatchObject({
      status: 'pass',
      summary: '1.2.1 across 2 packages; last release v1.2.0',
      findings: [],
    });
  });

  it('compares with the newest tag by semver precedence, not by git tag order', async () => {
    const workspace = workspaceRepo('1.0.0-rc.1');
    workspace.repo.git('tag', 'v1.0.0-rc.1');
    workspace.setVersion('1.0.0');
    workspace.repo.commit('1.0.0');
    workspace.repo.git('tag', 'v1.0.0');
    workspace.setVersion('1.0.1');
    workspace.repo.commit('1.0.1');
    const result = await checkVersion({ root: workspace.repo.root, ...VERSION_POLICY });
    expect(result).toMatchObject({
      status: 'pass',
      summary: '1.0.1 across 2 packages; last release v1.0.0',
    });
  });

  it('passes HEAD at its own release tag, and blocks a tag that is not v<version>', async () => {
    const workspace = workspaceRepo('1.0.0');
    workspace.repo.git('tag', 'v1.0.0');
    workspace.setVersion('1.1.0');
    workspace.repo.commit('1.1.0');
    workspace.repo.git('tag', 'v1.1.0');
    const tagged = await checkVersion({ root: workspace.repo.root, ...VERSION_POLICY });
    expect(tagged).toMatchObject({
      status: 'pass',
      summary: '1.1.0 across 2 packages; last release v1.0.0',
    });

    workspace.setVersion('1.2.0');
    workspace.repo.commit('1.2.0');
    workspace.repo.git('tag', 'v1.3.0');
    const mismatch = await checkVersion({ root: workspace.repo.root, ...VERSION_POLICY });
    expect(mismatch.status).toBe('fail');
    expect(mismatch.findings).toEqual([
      {
        id: 'tag:v1.3.0',
        message: 'HEAD is at v1.3.0, but the packages are at 1.2.0: the release tag must be v1.2.0',
        location: 'v1.3.0',
      },
    ]);
  });

  it('blocks packages that are not in lockstep, and a version that is not semver', async () => {
    const workspace = workspaceRepo('1.0.0');
    workspace.repo.writeJson('packages/keys/package.json', {
      name: '@acme/keys',
      version: '1.1.0',
    });
    const split = await checkVersion({ root: workspace.repo.root, ...VERSION_POLICY });
    expect(split.status).toBe('fail');
    expect(split.findings).toEqual([
      {
        id: 'lockstep',
        message:
          'released packages must share one version (lockstep), found 1.1.0 (@acme/keys); 1.0.0 (@acme/kit)',
      },
    ]);

    workspace.repo.writeJson('packages/keys/package.json', { name: '@acme/keys', version: 'v1.0' });
    const invalid = await checkVersion({ root: workspace.repo.root, ...VERSION_POLICY });
    expect(invalid.findings).toEqual([
      {
        id: 'version:@acme/keys',
        message: '@acme/keys has version "v1.0", which is not valid semver',
        location: 'packages/keys/package.json',
      },
    ]);
  });
});
