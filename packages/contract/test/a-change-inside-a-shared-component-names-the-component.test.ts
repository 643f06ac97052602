import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type ContractChange, diffContracts, loadOpenApiDocument } from '../src/index.js';
import { fixture, getReturning, load, loadPair, openapi } from './openapi-documents.js';

const work = mkdtempSync(join(tmpdir(), 'bulwark-contract-components-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The value a JSON pointer (`/a/b` or `#/a/b`) names in a document, or undefined. */
function at(document: unknown, pointer: string): unknown {
  let value = document;
  for (const token of pointer.replace(/^#/, '').split('/').slice(1)) {
    const key = token.replaceAll('~1', '/').replaceAll('~0', '~');
    if (typeof value !== 'object' || value === null || !(key in value)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

const summary = (c: ContractChange) =>
  `${c.method} ${c.path} ${c.classId} ${c.component ?? '(no component)'}`;

describe('a change inside a shared component also names where the component has it', () => {
  it('places changes through $refs, allOf, a $ref-only component and shared parameters and responses', async () => {
    const [older, newer] = await loadPair(fixture('components'));
    const diff = diffContracts(older, newer);
    expect(diff.changes.map(summary)).toEqual([
      'get /dogs response.constraint.tightened #/components/schemas/Person/properties/email/maxLength',
      'get /dogs response.property.removed #/components/schemas/Pet/properties/tags',
      'get /pets request.maximum.reduced #/components/parameters/Limit/schema/maximum',
      'get /pets response.constraint.tightened #/components/schemas/Person/properties/email/maxLength',
      'get /pets response.property.removed #/components/schemas/Pet/properties/tags',
      'get /pets response.content-type.removed #/components/responses/NotFound/content/application~1json',
      'post /pets request.max-length.reduced #/components/schemas/Person/properties/email/maxLength',
      'post /pets request.property.removed #/components/schemas/Pet/properties/tags',
      // Written beside the $ref (3.1): the pointer resolves in the file as it is.
      'get /pets/{id} description.changed (no component)',
      'get /pets/{id} response.constraint.tightened #/components/schemas/Person/properties/email/maxLength',
      'get /pets/{id} response.property.removed #/components/schemas/Pet/properties/tags',
    ]);
  });

  it('gives a location that resolves in the file as written, in the document the pointer is in', async () => {
    const [older, newer] = await loadPair(fixture('components'));
    const written = {
      old: parse(readFileSync(fixture('components', 'old.yaml'), 'utf8')),
      new: parse(readFileSync(fixture('components', 'new.yaml'), 'utf8')),
    };
    const diff = diffContracts(older, newer);
    for (const change of diff.changes) {
      // What the new document lacks (here: the `removed` classes) is pointed at in the old one.
      const removed = /removed/.test(change.classId);
      const document = removed ? written.old : written.new;
      const where = change.component ?? change.pointer;
      expect(at(document, where), `${change.classId} at ${where}`).toBeDefined();
      if (change.component !== undefined) {
        expect(at(document, change.pointer), 'a pointer through a $ref').toBeUndefined();
      }
    }
  });

  it('is given for documents loaded from memory, not for ones assembled by hand', async () => {
    const returning = (maxLength: number) =>
      openapi(
        { '/ids': getReturning({ $ref: '#/components/schemas/Id' }) },
        { components: { schemas: { Id: { type: 'string', maxLength } } } },
      );
    const older = await load('old', returning(10));
    const newer = await load('new', returning(20));
    const [change] = diffContracts(older, newer).changes;
    expect(change?.component).toBe('#/components/schemas/Id/maxLength');

    const byHand = diffContracts(
      { summary: older.summary, document: structuredClone(older.document) },
      { summary: newer.summary, document: structuredClone(newer.document) },
    );
    expect(byHand.changes.map((c) => c.classId)).toEqual(['response.constraint.relaxed']);
    expect(byHand.changes[0]).not.toHaveProperty('component');
  });

  it('is left out when the $ref is to another file', async () => {
    const write = (name: string, maxLength: number) => {
      writeFileSync(
        join(work, `${name}-id.yaml`),
        `Id:\n  type: string\n  maxLength: ${maxLength}\n`,
      );
      const document = openapi({ '/ids': getReturning({ $ref: `./${name}-id.yaml#/Id` }) });
      writeFileSync(join(work, `${name}.json`), JSON.stringify(document));
      return loadOpenApiDocument(join(work, `${name}.json`));
    };
    const diff = diffContracts(await write('old', 10), await write('new', 20));
    expect(diff.changes.map((c) => c.classId)).toEqual(['response.constraint.relaxed']);
    expect(diff.changes[0]).not.toHaveProperty('component');
  });
});
