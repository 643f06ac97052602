import { describe, expect, it } from 'vitest';
import { diffContracts } from '../src/index.js';
import { getReturning, load, openapi, postAccepting } from './openapi-documents.js';

/** The same schema change made to a request body and a response body. */
async function bothWays(before: unknown, after: unknown) {
  const older = await load(
    'old',
    openapi({ '/in': postAccepting(before), '/out': getReturning(before) }),
  );
  const newer = await load(
    'new',
    openapi({ '/in': postAccepting(after), '/out': getReturning(after) }),
  );
  const diff = diffContracts(older, newer);
  const on = (path: string) =>
    diff.changes
      .filter((c) => c.path === path)
      .map((c) => `${c.level} ${c.classId}`)
      .sort();
  return { request: on('/in'), response: on('/out') };
}

const object = (properties: Record<string, unknown>, required: string[] = [], extra = {}) => ({
  type: 'object',
  properties,
  required,
  ...extra,
});

describe('a schema change is judged by which way the data flows', () => {
  it('narrowing breaks what clients send, widening breaks what they read', async () => {
    expect(await bothWays({ type: ['string', 'integer'] }, { type: 'string' })).toEqual({
      request: ['error request.type.narrowed'],
      response: ['info response.type.narrowed'],
    });
    expect(await bothWays({ type: 'string' }, { type: ['string', 'integer'] })).toEqual({
      request: ['info request.type.widened'],
      response: ['error response.type.widened'],
    });
  });

  it('enum values: removed breaks requests, added warns on responses', async () => {
    expect(
      await bothWays({ type: 'string', enum: ['a', 'b'] }, { type: 'string', enum: ['a', 'c'] }),
    ).toEqual({
      request: ['error request.enum.value-removed', 'info request.enum.value-added'],
      response: ['info response.enum.value-removed', 'warning response.enum.value-added'],
    });
  });

  it('required fields: becoming required breaks requests, becoming optional breaks responses', async () => {
    const optional = object({ name: { type: 'string' } });
    const required = object({ name: { type: 'string' } }, ['name']);
    expect(await bothWays(optional, required)).toEqual({
      request: ['error request.property.became-required'],
      response: ['info response.constraint.tightened'],
    });
    expect(await bothWays(required, optional)).toEqual({
      request: ['info request.constraint.relaxed'],
      response: ['error response.property.became-optional'],
    });
  });

  it('readOnly fields are not sent and writeOnly fields are not read', async () => {
    const before = object({
      id: { type: 'string', readOnly: true },
      secret: { type: 'string', writeOnly: true },
      name: { type: 'string' },
    });
    const after = object({ name: { type: 'string' } });
    expect(await bothWays(before, after)).toEqual({
      request: ['error request.property.removed'],
      response: ['error response.property.removed'],
    });
    const diffs = await bothWays(
      before,
      object({ secret: { type: 'string', writeOnly: true }, name: { type: 'string' } }),
    );
    // Dropping the readOnly `id` only matters to readers.
    expect(diffs).toEqual({ request: [], response: ['error response.property.removed'] });
  });

  it('closing an object breaks requests (additionalProperties and unevaluatedProperties)', async () => {
    const open = object({ name: { type: 'string' } });
    expect(
      await bothWays(
        open,
        object({ name: { type: 'string' } }, [], { unevaluatedProperties: false }),
      ),
    ).toEqual({
      request: ['error request.additional-properties.closed'],
      response: ['info response.constraint.tightened'],
    });
    const typedMap = object({}, [], { additionalProperties: { type: 'string' } });
    expect(await bothWays(typedMap, object({}, [], { additionalProperties: false }))).toEqual({
      request: ['error request.additional-properties.closed'],
      response: ['info response.constraint.tightened'],
    });
    expect(await bothWays(object({}, [], { additionalProperties: false }), object({}))).toEqual({
      request: ['info request.constraint.relaxed'],
      response: ['warning response.constraint.relaxed'],
    });
  });

  it('allOf parts are merged before comparing: a required field moved into a part is no change', async () => {
    const flat = object({ id: { type: 'string' }, name: { type: 'string', maxLength: 10 } }, [
      'id',
      'name',
    ]);
    const composed = {
      allOf: [
        object({ id: { type: 'string' } }, ['id']),
        object({ name: { type: 'string', maxLength: 10 } }, ['name']),
      ],
    };
    expect(await bothWays(flat, composed)).toEqual({ request: [], response: [] });
    const composedLooser = {
      allOf: [
        object({ id: { type: 'string' } }, ['id']),
        object({ name: { type: 'string', maxLength: 20 } }),
      ],
    };
    expect(await bothWays(flat, composedLooser)).toEqual({
      request: ['info request.constraint.relaxed', 'info request.constraint.relaxed'],
      response: ['error response.property.became-optional', 'warning response.constraint.relaxed'],
    });
  });

  it('array items and nested fields are named by their path', async () => {
    const before = {
      type: 'array',
      items: object({ tags: { type: 'array', items: { type: 'string', maxLength: 5 } } }),
    };
    const after = {
      type: 'array',
      items: object({ tags: { type: 'array', items: { type: 'string', maxLength: 3 } } }),
    };
    const older = await load('old', openapi({ '/in': postAccepting(before) }));
    const newer = await load('new', openapi({ '/in': postAccepting(after) }));
    const [change] = diffContracts(older, newer).changes;
    expect(change).toEqual({
      classId: 'request.max-length.reduced',
      level: 'error',
      method: 'post',
      path: '/in',
      pointer:
        '/paths/~1in/post/requestBody/content/application~1json/schema/items/properties/tags/items/maxLength',
      message: 'request body (application/json) field `[].tags[]`: maxLength 5 → 3',
    });
  });
});
