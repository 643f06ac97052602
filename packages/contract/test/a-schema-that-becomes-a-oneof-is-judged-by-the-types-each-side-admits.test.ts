import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diffContracts } from '../src/index.js';
import { fixture, loadPair } from './openapi-documents.js';

/**
 * Pairs under fixtures/compositions/: the `error` field of a shared ToolCall schema, sent by
 * POST /tool-calls and returned by GET /tool-calls, becomes (or stops being) a oneOf/anyOf.
 * Before the types were compared, every one of these was a schema.composition.changed warning,
 * and a real break (OpenAI's MCP `error`: string|null → error object|null) passed the diff.
 */
const EXPECTED: Readonly<Record<string, readonly string[]>> = {
  // The null branch alone decides the response; the objects may be narrower for senders.
  'object-became-a-nullable-oneof': [
    'get error response.type.widened: may now be null',
    'post info request.type.widened: now accepts null',
    'post warning schema.composition.changed: became a oneOf of 2 schemas',
  ],
  'string-became-a-oneof-of-objects': [
    'get error response.type.widened: type string → object',
    'post error request.type.narrowed: type string → object',
  ],
  'nullable-string-became-a-nullable-oneof-of-objects': [
    'get error response.type.widened: type string | null → object | null',
    'post error request.type.narrowed: type string | null → object | null',
  ],
  'openapi-3.0-nullable-string-became-a-nullable-oneof': [
    'get error response.type.widened: type string | null → object | null',
    'post error request.type.narrowed: type string | null → object | null',
  ],
  'oneof-of-objects-became-a-string': [
    'get error response.type.widened: type object → string',
    'post error request.type.narrowed: type object → string',
  ],
  // The old schema is one of the new branches: the other branch was added, as between oneOfs.
  'a-branch-added-beside-the-old-schema': [
    'get error response.type.widened: oneOf branch 1 added',
    'post info request.type.widened: oneOf branch 1 added',
  ],
  'a-oneof-reduced-to-one-of-its-branches': [
    'get info response.type.narrowed: oneOf branch 1 removed',
    'post error request.type.narrowed: oneOf branch 1 removed',
  ],
  // The same types on both sides, and no branch reads like the old schema: only a warning.
  'an-object-became-a-oneof-of-other-objects': [
    'get warning schema.composition.changed: became a oneOf of 2 schemas',
    'post warning schema.composition.changed: became a oneOf of 2 schemas',
  ],
};

async function changesOf(name: string) {
  const [older, newer] = await loadPair(fixture('compositions', name));
  return diffContracts(older, newer);
}

describe('a schema that becomes (or stops being) a oneOf/anyOf is judged by the types each side admits', () => {
  it('has an expectation for every pair', () => {
    expect(readdirSync(fixture('compositions')).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('%s', async (name, expected) => {
    const diff = await changesOf(name);
    const field = /^(?:response 200|request body) \(application\/json\) field `error`: /;
    for (const change of diff.changes) expect(change.message).toMatch(field);
    expect(
      diff.changes.map(
        (c) => `${c.method} ${c.level} ${c.classId}: ${c.message.replace(field, '')}`,
      ),
    ).toEqual(expected);
    const breaks = expected.some((line) => line.split(' ')[1] === 'error');
    expect(diff.verdict).toBe(breaks ? 'fail' : 'pass');
  });

  it('points at the composition that brought the new types, in the shared schema too', async () => {
    const diff = await changesOf('nullable-string-became-a-nullable-oneof-of-objects');
    expect(diff.changes.map((c) => [c.pointer, c.component])).toEqual([
      [
        '/paths/~1tool-calls/get/responses/200/content/application~1json/schema/properties/error/anyOf',
        '#/components/schemas/ToolCall/properties/error/anyOf',
      ],
      [
        '/paths/~1tool-calls/post/requestBody/content/application~1json/schema/properties/error/anyOf',
        '#/components/schemas/ToolCall/properties/error/anyOf',
      ],
    ]);
  });
});
