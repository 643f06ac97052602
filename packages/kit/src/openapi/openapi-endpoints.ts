/**
 * Where a kit service serves its API description. No dependencies, like contract.ts, so a
 * client (the CLI, the verifier) can import it without loading Fastify.
 */
export const OPENAPI_ENDPOINTS = {
  /** The OpenAPI 3.1 document, public even when the service requires authentication. */
  document: '/openapi.json',
  /** Swagger UI (and its assets under it), when `openapi.docs` is on. */
  docs: '/docs',
} as const;
