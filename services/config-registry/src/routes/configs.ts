import type { ConfigOverview } from '@bulwark/config';
import type { Service } from '@bulwark/kit';
import { checkKnown, type RouteDeps } from './deps.js';
import { ConfigParams, ConfigSummary, ConfigsReply, problem } from './schemas.js';
import { SCOPES } from './scopes.js';

/** /v1/configs: what the registry knows of each config. */
export function registerConfigRoutes(service: Service, deps: RouteDeps): void {
  const { app } = service;

  app.get(
    '/v1/configs',
    {
      schema: {
        summary: 'List the configs: schema versions, latest and current version, newest rollout',
        tags: ['configs'],
        response: { 200: ConfigsReply },
      },
      config: { auth: SCOPES.configRead },
    },
    async () => {
      const overview = await deps.monitor.refresh();
      const names = new Set([
        ...deps.schemas.list().map((e) => e.name),
        ...overview.map((c) => c.config),
      ]);
      return {
        configs: [...names].sort().map((name) => summary(deps, name, overview)),
      };
    },
  );

  app.get<{ Params: ConfigParams }>(
    '/v1/configs/:name',
    {
      schema: {
        summary: 'One config: schema versions, latest and current version, newest rollout',
        tags: ['configs'],
        params: ConfigParams,
        response: {
          200: ConfigSummary,
          404: problem('Not Found. `CONFIG_NOT_FOUND`: no config has that name.'),
        },
      },
      config: { auth: SCOPES.configRead },
    },
    async (request) => {
      const { name } = request.params;
      await checkKnown(deps, name);
      return summary(deps, name, await deps.monitor.refresh());
    },
  );
}

function summary(deps: RouteDeps, name: string, overview: readonly ConfigOverview[]) {
  const found = overview.find((c) => c.config === name);
  return {
    config: name,
    schemaVersions: deps.schemas
      .list()
      .filter((e) => e.name === name)
      .map((e) => e.version),
    latestVersion: found?.latestVersion ?? 0,
    currentVersion: found?.currentVersion ?? 0,
    rollout: found?.rollout ?? null,
    instances: found?.instances.length ?? 0,
    mixed: found?.mixed ?? false,
  };
}
