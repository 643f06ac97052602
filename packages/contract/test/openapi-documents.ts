import { fileURLToPath } from 'node:url';
import { type LoadedDocument, loadOpenApiDocument } from '../src/index.js';

/** Test helpers: fixture paths and small in-memory documents. */
export const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

export function fixture(...parts: string[]): string {
  return `${fixtures}${parts.join('/')}`;
}

export function loadPair(dir: string): Promise<[LoadedDocument, LoadedDocument]> {
  return Promise.all([
    loadOpenApiDocument(`${dir}/old.yaml`, { validate: true }),
    loadOpenApiDocument(`${dir}/new.yaml`, { validate: true }),
  ]);
}

/** An OpenAPI 3.1 document with the given paths (and more top-level keys). */
export function openapi(
  paths: Record<string, unknown>,
  extra: Record<string, unknown> = {},
  version = '1.0.0',
): Record<string, unknown> {
  return { openapi: '3.1.0', info: { title: 'Items API', version }, paths, ...extra };
}

export function load(label: string, document: Record<string, unknown>): Promise<LoadedDocument> {
  return loadOpenApiDocument({ label, document });
}

/** A GET returning `schema` as JSON with status 200. */
export function getReturning(schema: unknown): Record<string, unknown> {
  return {
    get: {
      responses: { '200': { description: 'OK', content: { 'application/json': { schema } } } },
    },
  };
}

/** A POST accepting `schema` as a required JSON body. */
export function postAccepting(schema: unknown): Record<string, unknown> {
  return {
    post: {
      requestBody: { required: true, content: { 'application/json': { schema } } },
      responses: { '204': { description: 'Done' } },
    },
  };
}
