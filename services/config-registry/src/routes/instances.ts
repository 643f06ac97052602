import { ConfigRegistryError } from '@bulwark/config';
import type { Service } from '@bulwark/kit';
import { refusing } from '../errors.js';
import { checkKnown, type RouteDeps } from './deps.js';
import { ConfigParams, InstanceParams, InstancesReply, problem } from './schemas.js';
import { SCOPES } from './scopes.js';

/** The instances consumers announced, and forgetting one that is gone for good. */
export function registerInstanceRoutes(service: Service, deps: RouteDeps): void {
  const { app } = service;

  app.get<{ Params: ConfigParams }>(
    '/v1/configs/:name/instances',
    {
      schema: {
        summary: 'The instances of a config and the version each runs',
        description:
          'As each last reported (Presence, or an `applied` acknowledgement). A rollout starts over these instances.',
        tags: ['instances'],
        params: ConfigParams,
        response: {
          200: InstancesReply,
          404: problem('Not Found. `CONFIG_NOT_FOUND`: no config has that name.'),
        },
      },
      config: { auth: SCOPES.configRead },
    },
    async (request) => {
      const { name } = request.params;
      await checkKnown(deps, name);
      const instances = await deps.store.instances(name);
      const versions: Record<string, number> = {};
      for (const i of instances) versions[i.version] = (versions[i.version] ?? 0) + 1;
      return {
        config: name,
        instances: instances.map((i) => ({
          instance: i.instance,
          version: i.version,
          healthUrl: i.healthUrl,
          lastSeen: new Date(i.lastSeen).toISOString(),
        })),
        mixed: Object.keys(versions).length > 1,
        versions,
      };
    },
  );

  app.delete<{ Params: InstanceParams }>(
    '/v1/configs/:name/instances/:instance',
    {
      schema: {
        summary: 'Forget an instance that is gone for good',
        description:
          'A rollout waits for every instance known when it starts: one scaled away would make every rollout time out. It is known again as soon as it announces itself.',
        tags: ['instances'],
        params: InstanceParams,
        response: {
          204: { type: 'null', description: 'Forgotten.' },
          404: problem('Not Found. `CONFIG_NOT_FOUND`: no such config, or no such instance of it.'),
        },
      },
      config: { auth: SCOPES.configRollout },
    },
    async (request, reply) => {
      const { name, instance } = request.params;
      await checkKnown(deps, name);
      await refusing(async () => {
        if (!(await deps.store.forgetInstance(name, instance))) {
          throw new ConfigRegistryError(
            'CONFIG_NOT_FOUND',
            `config ${name} has no instance ${instance}`,
          );
        }
      });
      deps.monitor.changed();
      return reply.code(204).send();
    },
  );
}
