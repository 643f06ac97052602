import { describe, expect, it } from 'vitest';
import { diffContracts } from '../src/index.js';
import { getReturning, load, openapi, postAccepting } from './openapi-documents.js';

/** A tree (self-reference) and a pair of mutually recursive schemas. */
function components(leafMaxLength: number, extra: Record<string, unknown> = {}) {
  return {
    components: {
      schemas: {
        Node: {
          type: 'object',
          required: ['name'],
          properties: {
            name: { type: 'string', maxLength: leafMaxLength },
            children: { type: 'array', items: { $ref: '#/components/schemas/Node' } },
            owner: { $ref: '#/components/schemas/Person' },
            ...extra,
          },
        },
        Person: {
          type: 'object',
          properties: { id: { type: 'string' }, manages: { $ref: '#/components/schemas/Node' } },
        },
      },
    },
  };
}

const ref = { $ref: '#/components/schemas/Node' };

describe('circular schemas are compared to the end', () => {
  it('terminates and reports a change inside the cycle once per place it is used', async () => {
    const older = await load(
      'old',
      openapi({ '/nodes': { ...getReturning(ref), ...postAccepting(ref) } }, components(100)),
    );
    const newer = await load(
      'new',
      openapi(
        { '/nodes': { ...getReturning(ref), ...postAccepting(ref) } },
        components(50, { note: { type: 'string' } }),
      ),
    );
    const document = newer.document as {
      components: { schemas: { Node: { properties: { children: { items: unknown } } } } };
    };
    // The loader keeps the cycle as a cycle.
    expect(document.components.schemas.Node.properties.children.items).toBe(
      document.components.schemas.Node,
    );

    const diff = diffContracts(older, newer);
    expect(diff.changes.map((c) => [c.method, c.classId, c.message])).toEqual([
      [
        'get',
        'response.constraint.tightened',
        'response 200 (application/json) field `name`: maxLength 100 → 50',
      ],
      ['get', 'response.property.added', 'response 200 (application/json) field `note`: added'],
      [
        'post',
        'request.max-length.reduced',
        'request body (application/json) field `name`: maxLength 100 → 50',
      ],
      [
        'post',
        'request.property.added-optional',
        'request body (application/json) field `note`: added (optional)',
      ],
    ]);
  });

  it('a schema reached only through the cycle still reports its changes at every entry point', async () => {
    // Person is used on its own by /people and inside Node's cycle by /nodes: its change must be
    // reported at both, even though the first comparison met it while Node was in progress.
    const paths = {
      '/nodes': getReturning(ref),
      '/people': getReturning({ $ref: '#/components/schemas/Person' }),
    };
    const older = await load('old', openapi(paths, components(100)));
    const changed = components(100);
    (changed.components.schemas.Person.properties as Record<string, unknown>).id = {
      type: 'integer',
    };
    const newer = await load('new', openapi(paths, changed));
    const diff = diffContracts(older, newer);
    expect(diff.changes.map((c) => [c.path, c.classId, c.message])).toEqual([
      [
        '/nodes',
        'response.type.widened',
        'response 200 (application/json) field `owner.id`: type string → integer',
      ],
      [
        '/people',
        'response.type.widened',
        'response 200 (application/json) field `id`: type string → integer',
      ],
    ]);
  });

  it('a document compared with itself reports nothing, cycles included', async () => {
    const document = openapi({ '/nodes': getReturning(ref) }, components(100));
    const diff = diffContracts(await load('a', document), await load('b', document));
    expect(diff.changes).toEqual([]);
  });
});
