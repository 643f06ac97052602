import { ConfigRegistryError, diffDocuments, prepareVersion } from '@bulwark/config';
import type { Service } from '@bulwark/kit';
import { refusing } from '../errors.js';
import { checkKnown, type RouteDeps } from './deps.js';
import {
  ConfigParams,
  ConfigVersion,
  DiffQuery,
  DiffReply,
  HistoryQuery,
  HistoryReply,
  PublishBody,
  problem,
  VersionParams,
} from './schemas.js';
import { actorOf, SCOPES } from './scopes.js';

/** /v1/configs/:name/versions and /diff: publish, history, one version, the diff of two. */
export function registerVersionRoutes(service: Service, deps: RouteDeps): void {
  const { app } = service;
  const { store } = deps;

  app.post<{ Params: ConfigParams; Body: PublishBody }>(
    '/v1/configs/:name/versions',
    {
      schema: {
        summary: 'Publish a new version of a config',
        description:
          'The document is validated against the schema version given (default: the latest), recorded in the ledger, and stored as the next version. It is not sent to any instance: a rollout does that.',
        tags: ['versions'],
        params: ConfigParams,
        body: PublishBody,
        response: {
          201: ConfigVersion,
          404: problem('Not Found. `CONFIG_NOT_FOUND`: no config has that name.'),
          422: problem(
            `Unprocessable. \`CONFIG_INVALID\`: the document fails its schema, at the JSON pointer the detail names. \`CONFIG_LITERAL_SECRET\`: a value is a secret, not a \`\${secret:name}\` reference (the pointer is named, never the value). \`CONFIG_UNKNOWN_SCHEMA\`: the config has no schema of that version.`,
          ),
          503: problem('Unavailable. `BW_DEPENDENCY_UNAVAILABLE`: the ledger did not record it.'),
        },
      },
      config: { auth: SCOPES.configPublish },
    },
    async (request, reply) => {
      const { name } = request.params;
      const { document, schemaVersion, message } = request.body;
      const prepared = await refusing(async () =>
        prepareVersion(
          deps.schemas,
          { config: name, document, schemaVersion, message, publishedBy: actorOf(request) },
          deps.clock,
        ),
      );
      const version = await refusing(() =>
        store.publishVersion(prepared, (published) =>
          deps.recorder.record([
            {
              kind: 'config.publish',
              actor: published.publishedBy,
              payload: {
                config: published.config,
                version: published.version,
                schemaVersion: published.schemaVersion,
                digest: published.digest,
                ...(published.message === undefined ? {} : { message: published.message }),
              },
            },
          ]),
        ),
      );
      deps.metrics.published(name);
      deps.monitor.changed();
      return reply.code(201).send(version);
    },
  );

  app.get<{ Params: ConfigParams; Querystring: HistoryQuery }>(
    '/v1/configs/:name/versions',
    {
      schema: {
        summary: 'The history of a config: its versions, newest first, a page at a time',
        tags: ['versions'],
        params: ConfigParams,
        querystring: HistoryQuery,
        response: {
          200: HistoryReply,
          404: problem('Not Found. `CONFIG_NOT_FOUND`: no config has that name.'),
        },
      },
      config: { auth: SCOPES.configRead },
    },
    async (request) => {
      const { name } = request.params;
      const { limit, before } = request.query;
      await checkKnown(deps, name);
      const page = await store.history(name, { limit: limit + 1, before });
      const versions = page.slice(0, limit);
      return {
        config: name,
        versions,
        next: page.length > limit ? (versions.at(-1)?.version ?? null) : null,
      };
    },
  );

  app.get<{ Params: VersionParams }>(
    '/v1/configs/:name/versions/:version',
    {
      schema: {
        summary: 'One version of a config, with its document',
        tags: ['versions'],
        params: VersionParams,
        response: {
          200: ConfigVersion,
          404: problem('Not Found. `CONFIG_NOT_FOUND`: no such config, or no such version of it.'),
        },
      },
      config: { auth: SCOPES.configRead },
    },
    async (request) => {
      const { name, version } = request.params;
      await checkKnown(deps, name);
      return refusing(() => mustGetVersion(deps, name, version));
    },
  );

  app.get<{ Params: ConfigParams; Querystring: DiffQuery }>(
    '/v1/configs/:name/diff',
    {
      schema: {
        summary: 'What changed between two versions, by JSON pointer',
        description:
          'Objects are compared key by key; a scalar or an array that differs is one `replace`. `from=0` compares with the empty document (what version 1 set).',
        tags: ['versions'],
        params: ConfigParams,
        querystring: DiffQuery,
        response: {
          200: DiffReply,
          404: problem('Not Found. `CONFIG_NOT_FOUND`: no such config, or no such version of it.'),
        },
      },
      config: { auth: SCOPES.configRead },
    },
    async (request) => {
      const { name } = request.params;
      const { from, to } = request.query;
      await checkKnown(deps, name);
      const [before, after] = await refusing(() =>
        Promise.all([
          from === 0 ? {} : mustGetVersion(deps, name, from).then((v) => v.document),
          mustGetVersion(deps, name, to).then((v) => v.document),
        ]),
      );
      return { config: name, from, to, changes: diffDocuments(before, after) };
    },
  );
}

/** A stored version, or CONFIG_NOT_FOUND. */
async function mustGetVersion(deps: RouteDeps, config: string, version: number) {
  const stored = await deps.store.version(config, version);
  if (stored === undefined) {
    throw new ConfigRegistryError('CONFIG_NOT_FOUND', `config ${config} has no version ${version}`);
  }
  return stored;
}
