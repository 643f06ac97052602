import { Ajv, type AnySchema, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyServerOptions } from 'fastify';

/**
 * Options every kit validator shares. Nothing is removed: Fastify's default `removeAdditional`
 * drops a field the schema does not allow and lets the request succeed, so a client that sends
 * `id` or `seq` believes it was accepted. With it off, `additionalProperties: false` means a 400
 * that names the field. `allErrors` stays off, as in Fastify: collecting every error of a large
 * array is a denial-of-service lever. `addUsedSchema` off lets the same `$id` compile per route.
 */
const SHARED: Options = {
  useDefaults: true,
  removeAdditional: false,
  allErrors: false,
  addUsedSchema: false,
};

/**
 * A body is JSON, which has types: "3", true, null and [5] are not the integer 3, and 123 is not
 * a name. Query strings, path parameters and headers are text by nature, so there a number or
 * boolean in the schema is read from its text (and a single value taken as a one-item array).
 */
const BODY: Options = { ...SHARED, coerceTypes: false };
const TEXT_PARTS: Options = { ...SHARED, coerceTypes: 'array' };

function createAjv(options: Options, externalSchemas: Record<string, unknown>): Ajv {
  const ajv = new Ajv(options);
  addFormats(ajv);
  for (const schema of Object.values(externalSchemas)) ajv.addSchema(schema as AnySchema);
  return ajv;
}

function compile(ajv: Ajv, schema: AnySchema) {
  const id = typeof schema === 'object' ? (schema as { $id?: unknown }).$id : undefined;
  if (typeof id === 'string') {
    const known = ajv.getSchema(id);
    if (known) return known;
  }
  return ajv.compile(schema);
}

/**
 * Node lowercases header names, so a header schema is matched in lower case. Fastify does this
 * itself only for its own compiler (a custom one may not be JSON Schema); ours is, so it does
 * the same for the schema's top level, where header names are.
 */
function lowerCaseHeaderNames(schema: AnySchema): AnySchema {
  if (typeof schema !== 'object' || schema === null) return schema;
  const { properties, required } = schema as {
    properties?: Record<string, unknown>;
    required?: unknown;
  };
  return {
    ...schema,
    ...(properties && typeof properties === 'object'
      ? {
          properties: Object.fromEntries(
            Object.entries(properties).map(([name, value]) => [name.toLowerCase(), value]),
          ),
        }
      : {}),
    ...(Array.isArray(required)
      ? { required: required.map((name) => (typeof name === 'string' ? name.toLowerCase() : name)) }
      : {}),
  };
}

/**
 * Fastify `schemaController.compilersFactory.buildValidator`: one ajv instance for bodies and
 * one for the textual parts, chosen per `httpPart` (the Fastify docs' pattern for disabling
 * coercion on bodies only). Fastify calls it per encapsulation context with the shared schemas
 * (`app.addSchema`), so `$ref`s to them resolve.
 */
export function buildKitValidator(externalSchemas: Record<string, unknown> = {}) {
  const body = createAjv(BODY, externalSchemas);
  const textParts = createAjv(TEXT_PARTS, externalSchemas);
  return ({ schema, httpPart }: { schema: AnySchema; httpPart?: string }) => {
    if (httpPart === 'body') return compile(body, schema);
    return compile(textParts, httpPart === 'headers' ? lowerCaseHeaderNames(schema) : schema);
  };
}

type SchemaController = NonNullable<FastifyServerOptions['schemaController']>;
type ValidatorFactory = NonNullable<
  NonNullable<SchemaController['compilersFactory']>['buildValidator']
>;

/**
 * The Fastify `schemaController` option that installs buildKitValidator. Fastify types the
 * factory as @fastify/ajv-compiler's (a compiler taking a bare schema); Fastify itself calls the
 * compiler with the route's { schema, method, url, httpPart }, which is what ours takes.
 */
export const kitSchemaController: SchemaController = {
  compilersFactory: { buildValidator: buildKitValidator as unknown as ValidatorFactory },
};
