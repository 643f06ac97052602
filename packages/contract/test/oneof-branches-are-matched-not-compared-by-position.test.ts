import { describe, expect, it } from 'vitest';
import { diffContracts } from '../src/index.js';
import { getReturning, load, openapi, postAccepting } from './openapi-documents.js';

const cat = (extra: Record<string, unknown> = {}) => ({
  title: 'Cat',
  type: 'object',
  properties: { kind: { const: 'cat' }, lives: { type: 'integer' }, ...extra },
});
const dog = {
  title: 'Dog',
  type: 'object',
  properties: { kind: { const: 'dog' }, breed: { type: 'string' } },
};
const bird = { title: 'Bird', type: 'object', properties: { kind: { const: 'bird' } } };

async function diffOf(before: unknown, after: unknown) {
  const older = await load(
    'old',
    openapi({ '/pets': { ...postAccepting(before), ...getReturning(before) } }),
  );
  const newer = await load(
    'new',
    openapi({ '/pets': { ...postAccepting(after), ...getReturning(after) } }),
  );
  return diffContracts(older, newer).changes.map(
    (c) => `${c.method} ${c.level} ${c.classId}: ${c.message}`,
  );
}

describe('oneOf/anyOf branches are matched, not compared by position', () => {
  it('reordered branches are no change; a change inside a matched branch is reported there', async () => {
    expect(await diffOf({ oneOf: [cat(), dog] }, { oneOf: [dog, cat()] })).toEqual([]);
    expect(
      await diffOf({ oneOf: [cat(), dog] }, { oneOf: [dog, cat({ indoor: { type: 'boolean' } })] }),
    ).toEqual([
      'get info response.property.added: response 200 (application/json) field `oneOf[1].indoor`: added',
      'post info request.property.added-optional: request body (application/json) field `oneOf[1].indoor`: added (optional)',
    ]);
  });

  it('an added branch widens (breaks readers), a removed one narrows (breaks senders)', async () => {
    expect(await diffOf({ oneOf: [cat(), dog] }, { oneOf: [cat(), dog, bird] })).toEqual([
      'get error response.type.widened: response 200 (application/json): oneOf branch 2 added',
      'post info request.type.widened: request body (application/json): oneOf branch 2 added',
    ]);
    expect(await diffOf({ anyOf: [cat(), dog, bird] }, { anyOf: [bird, cat()] })).toEqual([
      'get info response.type.narrowed: response 200 (application/json): anyOf branch 1 removed',
      'post error request.type.narrowed: request body (application/json): anyOf branch 1 removed',
    ]);
  });

  it('branches that cannot be told apart give a schema.composition.changed warning', async () => {
    const a = { type: 'object', properties: { a: { type: 'string' } } };
    const b = { type: 'object', properties: { b: { type: 'string' } } };
    const c = { type: 'object', properties: { c: { type: 'string' } } };
    const d = { type: 'object', properties: { d: { type: 'string' } } };
    const changes = await diffOf({ oneOf: [a, b] }, { oneOf: [c, d] });
    expect(changes).toEqual([
      'get warning schema.composition.changed: response 200 (application/json): oneOf branches changed in a way that cannot be matched (2 old, 2 new)',
      'post warning schema.composition.changed: request body (application/json): oneOf branches changed in a way that cannot be matched (2 old, 2 new)',
    ]);
  });

  it('a oneOf of a schema and null is that schema made nullable', async () => {
    const item = { type: 'object', properties: { id: { type: 'string' } } };
    expect(await diffOf(item, { oneOf: [item, { type: 'null' }] })).toEqual([
      'get error response.type.widened: response 200 (application/json): may now be null',
      'post info request.type.widened: request body (application/json): now accepts null',
    ]);
  });
});
