import { type TempRepo, tempRepo } from './tree-temp-repo.js';

/**
 * A small npm workspace monorepo in a real git repository: two released packages
 * (`@acme/keys` with an exports map, `@acme/kit` depending on it) and a private service.
 */
export interface Workspace {
  readonly repo: TempRepo;
  /** Rewrites every released package at `version`; `keysExports` replaces @acme/keys's map. */
  setVersion(version: string, options?: { keysExports?: Record<string, string> }): void;
}

const KEYS_EXPORTS = { '.': './index.js', './signing': './signing.js' };

export function workspaceRepo(version: string, kitRange = `^${version}`): Workspace {
  const repo = tempRepo();
  repo.writeJson('package.json', {
    name: 'acme',
    private: true,
    workspaces: ['packages/*', 'services/*'],
  });
  const write = (next: string, keysExports: Record<string, string> = KEYS_EXPORTS): void => {
    repo.writeJson('packages/keys/package.json', {
      name: '@acme/keys',
      version: next,
      type: 'module',
      exports: keysExports,
    });
    repo.writeJson('packages/kit/package.json', {
      name: '@acme/kit',
      version: next,
      type: 'module',
      exports: { '.': './index.js' },
      dependencies: { '@acme/keys': kitRange, yaml: '^2.0.0' },
    });
  };
  write(version);
  repo.writeJson('services/api/package.json', {
    name: '@acme/api',
    version: '0.0.0',
    private: true,
    dependencies: { '@acme/kit': '*' },
  });
  repo.commit('initial');
  return {
    repo,
    setVersion: (next, options = {}) => write(next, options.keysExports),
  };
}

export const VERSION_POLICY = { tags: 'v*', packages: ['packages/*'] } as const;
