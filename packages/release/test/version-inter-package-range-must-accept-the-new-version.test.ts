import { describe, expect, it } from 'vitest';
import { checkVersion } from '../src/tree/index.js';
import { VERSION_POLICY, workspaceRepo } from './version-fixture-workspaces.js';

describe('check version: ranges between workspaces accept the new version', () => {
  it('blocks @acme/kit depending on @acme/keys ^0.1.0 when the version goes to 0.2.0, at its line', async () => {
    const workspace = workspaceRepo('0.1.0', '^0.1.0');
    workspace.repo.git('tag', 'v0.1.0');
    workspace.setVersion('0.2.0');
    workspace.repo.commit('0.2.0');
    const result = await checkVersion({ root: workspace.repo.root, ...VERSION_POLICY });
    expect(result.status).toBe('fail');
    // The private service's "*" accepts anything; yaml is not a workspace.
    expect(result.findings).toEqual([
      {
        id: 'range:@acme/kit:@acme/keys',
        message:
          '@acme/kit dependencies has @acme/keys@"^0.1.0", which does not accept 0.2.0: change it to "^0.2.0"',
        location: 'packages/kit/package.json:9',
      },
    ]);
  });

  it('passes once the range is widened', async () => {
    const workspace = workspaceRepo('0.1.0', '^0.1.0 || ^0.2.0');
    workspace.repo.git('tag', 'v0.1.0');
    workspace.setVersion('0.2.0');
    workspace.repo.commit('0.2.0');
    const result = await checkVersion({ root: workspace.repo.root, ...VERSION_POLICY });
    expect(result).toMatchObject({ status: 'pass', findings: [] });
  });
});
