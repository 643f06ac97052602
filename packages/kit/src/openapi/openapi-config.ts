import { Type } from '@sinclair/typebox';

/**
 * The OpenAPI document every kit service generates from its route schemas, served at
 * GET /openapi.json, and Swagger UI at /docs. `docs` left unset means on outside production:
 * the UI is a convenience for people, and a production API answers /docs with 404 unless an
 * operator turns it on.
 */
export const OpenApiConfigSchema = Type.Object(
  {
    /** Generate the document and serve /openapi.json. */
    enabled: Type.Boolean({ default: true }),
    /** Serve Swagger UI at /docs (needs `enabled`). Defaults to on outside production. */
    docs: Type.Optional(Type.Boolean()),
  },
  { default: {}, additionalProperties: false },
);
