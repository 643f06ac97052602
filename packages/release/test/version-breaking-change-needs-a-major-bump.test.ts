import { describe, expect, it } from 'vitest';
import { checkVersion } from '../src/tree/index.js';
import { VERSION_POLICY, workspaceRepo } from './version-fixture-workspaces.js';

const WITHOUT_SIGNING = { '.': './index.js' };

describe('check version: a breaking change needs a major bump (a minor one in 0.x)', () => {
  it('blocks a removed exports subpath with only a patch bump, and passes it with a major bump', async () => {
    const workspace = workspaceRepo('1.4.2', '>=1.4.0');
    workspace.repo.git('tag', 'v1.4.2');

    workspace.setVersion('1.4.3', { keysExports: WITHOUT_SIGNING });
    workspace.repo.commit('drop ./signing');
    const patch = await checkVersion({ root: workspace.repo.root, ...VERSION_POLICY });
    expect(patch.status).toBe('fail');
    expect(patch.summary).toBe('1.4.3 across 2 packages; last release v1.4.2; 1 breaking change');
    expect(patch.findings).toEqual([
      {
        id: 'breaking:exports:@acme/keys no longer exports ./signing (exported in v1.4.2)',
        message:
          '@acme/keys no longer exports ./signing (exported in v1.4.2): a breaking change needs a major bump, at least 2.0.0, not 1.4.3',
        location: 'exports',
      },
    ]);

    workspace.setVersion('2.0.0', { keysExports: WITHOUT_SIGNING });
    workspace.repo.commit('2.0.0');
    const major = await checkVersion({ root: workspace.repo.root, ...VERSION_POLICY });
    expect(major).toMatchObject({ status: 'pass', findings: [] });
  });

  it('in 0.x, needs a minor bump: a patch blocks, a minor passes', async () => {
    const workspace = workspaceRepo('0.3.1', '>=0.3.0');
    workspace.repo.git('tag', 'v0.3.1');
    workspace.setVersion('0.3.2', { keysExports: WITHOUT_SIGNING });
    workspace.repo.commit('drop ./signing');
    const patch = await checkVersion({ root: workspace.repo.root, ...VERSION_POLICY });
    expect(patch.findings.map((f) => f.message)).toEqual([
      '@acme/keys no longer exports ./signing (exported in v0.3.1): a breaking change needs a minor bump (in 0.x the minor is the breaking position), at least 0.4.0, not 0.3.2',
    ]);
    workspace.setVersion('0.4.0', { keysExports: WITHOUT_SIGNING });
    workspace.repo.commit('0.4.0');
    const minor = await checkVersion({ root: workspace.repo.root, ...VERSION_POLICY });
    expect(minor).toMatchObject({ status: 'pass', findings: [] });
  });

  it('counts a released package removed since the tag, and breaking changes the caller passes', async () => {
    const workspace = workspaceRepo('1.0.0', '*');
    workspace.repo.git('tag', 'v1.0.0');
    workspace.repo.git('rm', '-q', '-r', 'packages/keys');
    workspace.repo.writeJson('packages/kit/package.json', { name: '@acme/kit', version: '1.1.0' });
    workspace.repo.commit('fold keys into kit');
    const result = await checkVersion({
      root: workspace.repo.root,
      ...VERSION_POLICY,
      breakingChanges: [{ source: 'contract diff', message: 'GET /v1/keys was removed' }],
    });
    expect(result.status).toBe('fail');
    expect(result.findings.map((f) => [f.location, f.message])).toEqual([
      [
        'contract diff',
        'GET /v1/keys was removed: a breaking change needs a major bump, at least 2.0.0, not 1.1.0',
      ],
      [
        'packages',
        '@acme/keys was released in v1.0.0 and is no longer released: a breaking change needs a major bump, at least 2.0.0, not 1.1.0',
      ],
    ]);
  });

  it('counts an exports map added where there was none (deep imports stop resolving)', async () => {
    const workspace = workspaceRepo('2.0.0', '*');
    workspace.repo.writeJson('packages/kit/package.json', { name: '@acme/kit', version: '2.0.0' });
    workspace.repo.commit('kit without exports');
    workspace.repo.git('tag', 'v2.0.0');
    workspace.setVersion('2.1.0');
    workspace.repo.commit('kit gets an exports map');
    const result = await checkVersion({ root: workspace.repo.root, ...VERSION_POLICY });
    expect(result.findings.map((f) => f.message)).toEqual([
      '@acme/kit adds an exports map, so deep imports that worked in v2.0.0 stop resolving: a breaking change needs a major bump, at least 3.0.0, not 2.1.0',
    ]);
  });
});
