// The route schema fields the document reads (summary, description, tags, hide, security) are
// typed by @fastify/swagger's augmentation of FastifySchema: referenced here, and kept in the
// built declarations (preserve), so a service compiled against the kit's build has them too.
/// <reference types="@fastify/swagger" preserve="true" />
import { fastifySwagger } from '@fastify/swagger';
import type { FastifySchema } from 'fastify';
import type { OpenAPIV3_1 } from 'openapi-types';
import type { Service } from '../service.js';
import { installDocsUi } from './docs-ui.js';
import { OPENAPI_ENDPOINTS } from './openapi-endpoints.js';
import {
  PROBLEM_COMPONENT,
  ProblemSchema,
  problemResponses,
  referToProblemComponent,
} from './problem-responses.js';
import { routeTraits } from './route-traits.js';
import { operationSecurity, securitySchemes } from './security-schemes.js';

/** A service's OpenAPI 3.1 document, as @fastify/swagger generates it from the route schemas. */
export type OpenApiDocument = OpenAPIV3_1.Document;

export interface OpenApiSource {
  /** Loads the plugins (nothing binds) and returns a copy of the document. */
  document(): Promise<OpenApiDocument>;
}

/**
 * What @fastify/swagger documents for a route without a response schema, said explicitly: the
 * kit adds error responses, and a response list that is not empty gets no default of its own.
 * `type: 'null'` gives the response no content, as the plugin's own default has none.
 */
const UNDOCUMENTED_SUCCESS = { type: 'null', description: 'Default Response' };

/** What OpenAPI allows as a key of `components.schemas`. */
const COMPONENT_NAME = /^[A-Za-z0-9._-]+$/;

/**
 * The service's OpenAPI 3.1 document, generated from its route schemas by @fastify/swagger,
 * served at GET /openapi.json (public, hidden from itself), and Swagger UI at /docs when
 * `openapi.docs` is on. Nothing is installed when `openapi.enabled` is false.
 *
 * Why the plugin function is called, not registered: createService() is synchronous and services
 * add their routes as soon as it returns, while `app.register()` only loads a plugin at ready(),
 * so the plugin's onRoute hook, which collects the routes to document, would be added after all
 * of them and the document would have no paths. @fastify/swagger exports the plugin function
 * itself as `fastifySwagger`; called on the root instance it adds its onRoute, onRegister and
 * onReady hooks and the `swagger` decorator there and then (its dynamic mode does nothing
 * asynchronous), before any route exists.
 *
 * What the kit adds to each operation (error responses, security) is added in the plugin's
 * `transform`, which only shapes the document: the route schemas Fastify validates and
 * serializes with are not touched. The document has no `servers` and nothing else that depends
 * on the host, port or time, so two builds of the same code give the same bytes.
 */
export function installOpenApi(service: Service): OpenApiSource | undefined {
  const { app, config } = service;
  if (!config.openapi.enabled) return undefined;
  const schemes = securitySchemes(config.auth);
  fastifySwagger(
    app,
    {
      openapi: {
        openapi: '3.1.0',
        info: { title: config.name, version: config.version },
        components: {
          schemas: { [PROBLEM_COMPONENT]: ProblemSchema as OpenAPIV3_1.SchemaObject },
          ...(schemes === undefined ? {} : { securitySchemes: schemes }),
        },
      },
      // Schemas with an $id (app.addSchema, TypeBox's) become components under that name when
      // it is a valid component name, rather than the plugin's `def-<n>`, which renumbers as
      // schemas are added. A URI $id is not a valid name: it keeps `def-<n>`.
      refResolver: {
        buildLocalReference: (json, _baseUri, _fragment, i) =>
          typeof json.$id === 'string' && COMPONENT_NAME.test(json.$id) ? json.$id : `def-${i}`,
      },
      transform: ({ schema, url, route }) => {
        const traits = routeTraits(route, config);
        const own: FastifySchema = schema ?? {};
        if (traits.kitRoute) return { schema: { ...own, hide: true }, url };
        const response: Record<string, unknown> = {};
        const documented = (own.response as Record<string, unknown> | undefined) ?? {
          200: UNDOCUMENTED_SUCCESS,
        };
        for (const [status, entry] of Object.entries(documented)) {
          response[status] = referToProblemComponent(entry);
        }
        // A status the route documents itself keeps the route's description.
        for (const [status, problem] of Object.entries(problemResponses(traits.occasions))) {
          response[status] ??= problem;
        }
        const security = own.security ?? operationSecurity(schemes, traits.auth);
        return {
          schema: { ...own, response, ...(security === undefined ? {} : { security }) },
          url,
        };
      },
    },
    (error) => {
      if (error) throw error;
    },
  );

  // The document cannot change once the app is ready: it is serialized once.
  let text: string | undefined;
  const documentText = () => {
    text ??= JSON.stringify(app.swagger());
    return text;
  };
  app.get(OPENAPI_ENDPOINTS.document, { config: { auth: false } }, (_request, reply) =>
    reply.type('application/json; charset=utf-8').send(documentText()),
  );
  if (config.openapi.docs ?? config.environment !== 'production') {
    installDocsUi(app, OPENAPI_ENDPOINTS.docs);
  }
  return {
    async document() {
      await app.ready();
      return JSON.parse(documentText()) as OpenApiDocument;
    },
  };
}
