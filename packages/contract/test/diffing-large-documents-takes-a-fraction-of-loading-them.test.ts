import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffContracts, loadOpenApiDocument } from '../src/index.js';

const PATHS = 1000;
const SCHEMAS = 50;

/**
 * A generated service contract: 1,000 paths with two operations each, their bodies drawn from
 * 50 shared (self-referencing) component schemas of 30 fields, and a problem+json error.
 */
function largeDocument(): Record<string, any> {
  const paths: Record<string, unknown> = {};
  for (let i = 0; i < PATHS; i++) {
    const body = { $ref: `#/components/schemas/S${i % SCHEMAS}` };
    paths[`/v1/resource-${i}/{id}`] = {
      get: {
        operationId: `get${i}`,
        parameters: [
          { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'limit', in: 'query', schema: { type: 'integer', maximum: 100 } },
        ],
        responses: {
          '200': { description: 'OK', content: { 'application/json': { schema: body } } },
          '404': {
            description: 'Not found',
            content: {
              'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
            },
          },
        },
      },
      put: {
        operationId: `put${i}`,
        requestBody: { required: true, content: { 'application/json': { schema: body } } },
        responses: { '204': { description: 'Stored' } },
      },
    };
  }
  const schemas: Record<string, unknown> = {
    Problem: {
      type: 'object',
      properties: {
        type: { type: 'string' },
        title: { type: 'string' },
        status: { type: 'integer' },
      },
    },
  };
  for (let s = 0; s < SCHEMAS; s++) {
    const properties: Record<string, unknown> = { next: { $ref: `#/components/schemas/S${s}` } };
    for (let p = 0; p < 30; p++)
      properties[`f${p}`] = { type: 'string', maxLength: 20, description: `field ${p}` };
    schemas[`S${s}`] = { type: 'object', required: ['f0', 'f1'], properties };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Large', version: '1.0.0' },
    paths,
    components: { schemas },
  };
}

describe('diffing two 1,000-path documents', () => {
  it('finds the few changes in a small fraction of the time loading the documents takes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-contract-large-'));
    const before = largeDocument();
    const after = largeDocument();
    after.paths['/v1/resource-7/{id}'].get.parameters[1].schema.maximum = 50;
    delete after.paths['/v1/resource-9/{id}'].put;
    after.components.schemas.S3.properties.f4.maxLength = 10;
    writeFileSync(join(dir, 'old.json'), JSON.stringify(before, null, 2));
    writeFileSync(join(dir, 'new.json'), JSON.stringify(after, null, 2));

    const loadStart = performance.now();
    const older = await loadOpenApiDocument(join(dir, 'old.json'));
    const newer = await loadOpenApiDocument(join(dir, 'new.json'));
    const loading = performance.now() - loadStart;
    const diffStart = performance.now();
    const diff = diffContracts(older, newer);
    const diffing = performance.now() - diffStart;

    // S3 is used by 20 paths: a tighter response and a tighter request for each.
    expect(diff.counts).toEqual({ error: 1 + 1 + 20, warning: 0, info: 20 });
    expect(
      diff.changes.filter((c) => c.classId === 'operation.removed').map((c) => c.path),
    ).toEqual(['/v1/resource-9/{id}']);
    expect(
      diff.changes.filter((c) => c.classId === 'request.maximum.reduced').map((c) => c.path),
    ).toEqual(['/v1/resource-7/{id}']);
    // Loading (read, JSON.parse, resolving references) dominates; the diff is a fraction of it.
    expect(diffing, `diff ${diffing.toFixed(0)} ms, load ${loading.toFixed(0)} ms`).toBeLessThan(
      loading / 2,
    );
  });
});
