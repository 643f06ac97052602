import { describe, expect, it } from 'vitest';
import { diffContracts } from '../src/index.js';
import { getReturning, load, openapi, postAccepting } from './openapi-documents.js';

describe('changes are listed by path, method, pointer and class', () => {
  it('sorts document-level changes first, then paths and methods, whatever the input order', async () => {
    const body = { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } } };
    const older = await load(
      'old',
      openapi(
        { '/b': { ...getReturning(body), ...postAccepting(body) }, '/a': getReturning(body) },
        {},
      ),
    );
    const newer = await load(
      'new',
      openapi({
        '/a': getReturning({ type: 'object' }),
        '/b': { ...postAccepting({ type: 'object' }), ...getReturning({ type: 'object' }) },
      }),
    );
    (newer.document as { info: { description: string } }).info.description = 'now described';
    const diff = diffContracts(older, newer);
    expect(
      diff.changes.map((c) => [
        c.path ?? '',
        c.method ?? '',
        c.pointer.split('/').pop(),
        c.classId,
      ]),
    ).toEqual([
      ['', '', 'description', 'description.changed'],
      ['/a', 'get', 'a', 'response.property.removed'],
      ['/a', 'get', 'b', 'response.property.removed'],
      ['/b', 'get', 'a', 'response.property.removed'],
      ['/b', 'get', 'b', 'response.property.removed'],
      ['/b', 'post', 'a', 'request.property.removed'],
      ['/b', 'post', 'b', 'request.property.removed'],
    ]);
    expect(diffContracts(older, newer)).toEqual(diff);
  });
});
