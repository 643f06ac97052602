import { describe, expect, it } from 'vitest';
import { diffContracts, loadOpenApiDocument } from '../src/index.js';
import { fixture, getReturning, load } from './openapi-documents.js';

const v30 = (schema: unknown, version = '3.0.3') => ({
  openapi: version,
  info: { title: 'Items API', version: '1.0.0' },
  paths: { '/items': getReturning(schema) },
});
const v31 = (schema: unknown, version = '3.1.0') => ({ ...v30(schema), openapi: version });

describe('OpenAPI 3.0 and 3.1 documents', () => {
  it('load from files in both versions, with their summaries', async () => {
    const [old30, new31] = await Promise.all([
      loadOpenApiDocument(fixture('non-breaking', 'openapi-3.0-to-3.1', 'old.yaml')),
      loadOpenApiDocument(fixture('non-breaking', 'openapi-3.0-to-3.1', 'new.yaml')),
    ]);
    expect(old30.summary).toMatchObject({ openapi: '3.0.3', title: 'Items API', version: '1.0.0' });
    expect(new31.summary.openapi).toBe('3.1.0');
    expect(diffContracts(old30, new31).changes).toEqual([]);
  });

  it('accepts patch releases newer than swagger-parser knows, and keeps the version as written', async () => {
    const loaded = await load('future-patch', v31({ type: 'string' }, '3.1.9'));
    expect(loaded.summary.openapi).toBe('3.1.9');
    expect((loaded.document as { openapi: string }).openapi).toBe('3.1.9');
    expect((await load('old-patch', v30({ type: 'string' }, '3.0.0'))).summary.openapi).toBe(
      '3.0.0',
    );
  });

  it('3.0 `nullable: true` and a 3.1 type array with null are the same type', async () => {
    const nullable30 = await load('a', v30({ type: 'string', nullable: true }));
    const nullable31 = await load('b', v31({ type: ['string', 'null'] }));
    const plain31 = await load('c', v31({ type: 'string' }));
    expect(diffContracts(nullable30, nullable31).changes).toEqual([]);
    expect(diffContracts(plain31, nullable30).changes.map((c) => [c.classId, c.message])).toEqual([
      ['response.type.widened', 'response 200 (application/json): may now be null'],
    ]);
    expect(diffContracts(nullable31, plain31).changes.map((c) => c.classId)).toEqual([
      'response.type.narrowed',
    ]);
  });

  it('3.0 boolean exclusiveMaximum and 3.1 numeric exclusiveMaximum compare as bounds', async () => {
    const inclusive = await load('a', v30({ type: 'integer', maximum: 10 }));
    const exclusive30 = await load(
      'b',
      v30({ type: 'integer', maximum: 10, exclusiveMaximum: true }),
    );
    const exclusive31 = await load('c', v31({ type: 'integer', exclusiveMaximum: 10 }));
    expect(diffContracts(exclusive30, exclusive31).changes).toEqual([]);
    expect(
      diffContracts(inclusive, exclusive31).changes.map((c) => [c.classId, c.message]),
    ).toEqual([
      [
        'response.constraint.tightened',
        'response 200 (application/json): maximum 10 → exclusive 10',
      ],
    ]);
  });

  it('integer is a kind of number: integer → number widens, number → integer narrows', async () => {
    const integer = await load('a', v31({ type: 'integer' }));
    const number = await load('b', v31({ type: 'number' }));
    expect(diffContracts(integer, number).changes.map((c) => c.classId)).toEqual([
      'response.type.widened',
    ]);
    expect(diffContracts(number, integer).changes.map((c) => c.classId)).toEqual([
      'response.type.narrowed',
    ]);
  });

  it('3.1 `const` reads as a one-value enum', async () => {
    const constant = await load('a', v31({ const: 'active' }));
    const enumerated = await load('b', v31({ type: 'string', enum: ['active', 'archived'] }));
    expect(diffContracts(constant, enumerated).changes.map((c) => [c.classId, c.message])).toEqual([
      ['response.enum.value-added', "response 200 (application/json): enum value 'archived' added"],
    ]);
  });
});
