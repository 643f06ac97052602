import { describe, expect, it } from 'vitest';
import { diffContracts } from '../src/index.js';
import { load, openapi } from './openapi-documents.js';

const schemes = {
  components: {
    securitySchemes: {
      apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
      bearer: { type: 'http', scheme: 'bearer' },
    },
  },
};
const operation = (security?: unknown[]) => ({
  get: { ...(security ? { security } : {}), responses: { '200': { description: 'OK' } } },
});

async function securityChanges(before: Record<string, unknown>, after: Record<string, unknown>) {
  const diff = diffContracts(await load('old', before), await load('new', after));
  return diff.changes.map((c) => `${c.level} ${c.classId} ${c.pointer}`);
}

describe('effective security is the operation’s, else the document’s', () => {
  it('a global requirement added where operations had none breaks each operation', async () => {
    const before = openapi({ '/a': operation(), '/b': operation() }, schemes);
    const after = openapi(
      { '/a': operation(), '/b': operation() },
      { ...schemes, security: [{ apiKey: [] }] },
    );
    expect(await securityChanges(before, after)).toEqual([
      'error security.requirement.added /security',
      'error security.requirement.added /security',
    ]);
  });

  it('an operation that opts out with `security: []` is not affected by the global one', async () => {
    const before = openapi({ '/health': operation([]) }, schemes);
    const after = openapi({ '/health': operation([]) }, { ...schemes, security: [{ apiKey: [] }] });
    expect(await securityChanges(before, after)).toEqual([]);
  });

  it('moving the same requirement from the document to the operation is no change', async () => {
    const before = openapi({ '/a': operation() }, { ...schemes, security: [{ apiKey: [] }] });
    const after = openapi({ '/a': operation([{ apiKey: [] }]) }, schemes);
    expect(await securityChanges(before, after)).toEqual([]);
  });

  it('requiring two schemes together where one sufficed is a requirement added', async () => {
    const before = openapi({ '/a': operation([{ apiKey: [] }]) }, schemes);
    const after = openapi({ '/a': operation([{ apiKey: [], bearer: [] }]) }, schemes);
    expect(await securityChanges(before, after)).toEqual([
      'error security.requirement.added /paths/~1a/get/security',
    ]);
  });
});
