import { describe, expect, it } from 'vitest';
import { diffContracts } from '../src/index.js';
import { getReturning, load, openapi } from './openapi-documents.js';

const item = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string' }, note: { type: 'string' } },
};
const itemWithoutNote = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string' } },
};

describe('version-bump rule', () => {
  it('a higher info.version major excuses every error-level change, which is still listed', async () => {
    const older = await load(
      'old',
      openapi({ '/items': getReturning(item), '/orders': getReturning(item) }, {}, '1.4.2'),
    );
    const newer = await load(
      'new',
      openapi({ '/items': getReturning(itemWithoutNote) }, {}, 'v2.0'),
    );
    const diff = diffContracts(older, newer);
    expect(diff.bumped.infoMajor).toBe(true);
    expect(diff.changes.map((c) => [c.classId, c.level, c.excusedBy])).toEqual([
      ['response.property.removed', 'error', 'info.version'],
      ['path.removed', 'error', 'info.version'],
    ]);
    expect(diff.counts.error).toBe(2);
    expect(diff.breaking).toBe(0);
    expect(diff.verdict).toBe('pass');
  });

  it('a minor or patch bump excuses nothing', async () => {
    const older = await load('old', openapi({ '/items': getReturning(item) }, {}, '1.4.2'));
    const newer = await load(
      'new',
      openapi({ '/items': getReturning(itemWithoutNote) }, {}, '1.5.0'),
    );
    const diff = diffContracts(older, newer);
    expect(diff.bumped.infoMajor).toBe(false);
    expect(diff.changes[0]?.excusedBy).toBeUndefined();
    expect(diff.verdict).toBe('fail');
  });

  it('/v1 replaced by /v2 excuses the removal of the /v1 path (path-major)', async () => {
    const older = await load(
      'old',
      openapi({
        '/v1/items/{id}': getReturning(item),
        '/health': getReturning({ type: 'string' }),
      }),
    );
    const newer = await load(
      'new',
      openapi({
        '/v2/items/{itemId}': getReturning(itemWithoutNote),
        '/health': getReturning({ type: 'string' }),
      }),
    );
    const diff = diffContracts(older, newer);
    expect(diff.bumped).toEqual({
      infoMajor: false,
      pathMajors: ['/v1/items/{id} -> /v2/items/{itemId}'],
    });
    expect(diff.changes.map((c) => [c.classId, c.path, c.excusedBy])).toEqual([
      ['path.removed', '/v1/items/{id}', 'path-major'],
      ['path.added', '/v2/items/{itemId}', undefined],
    ]);
    expect(diff.verdict).toBe('pass');
  });

  it('a changed /v1 path the new document still serves is not excused by a /v2 beside it', async () => {
    const older = await load('old', openapi({ '/v1/items': getReturning(item) }));
    const newer = await load(
      'new',
      openapi({
        '/v1/items': getReturning(itemWithoutNote),
        '/v2/items': getReturning(itemWithoutNote),
      }),
    );
    const diff = diffContracts(older, newer);
    expect(diff.bumped.pathMajors).toEqual(['/v1/items -> /v2/items']);
    const removed = diff.changes.find((c) => c.classId === 'response.property.removed');
    expect(removed).toMatchObject({ path: '/v1/items', method: 'get', level: 'error' });
    expect(removed?.excusedBy).toBeUndefined();
    expect(diff.breaking).toBe(1);
    expect(diff.verdict).toBe('fail');
  });

  it('a lower path major excuses nothing', async () => {
    const older = await load('old', openapi({ '/v2/items': getReturning(item) }));
    const newer = await load('new', openapi({ '/v1/items': getReturning(item) }));
    const diff = diffContracts(older, newer);
    expect(diff.bumped.pathMajors).toEqual([]);
    expect(diff.changes.find((c) => c.classId === 'path.removed')?.excusedBy).toBeUndefined();
    expect(diff.verdict).toBe('fail');
  });
});
