import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ContractError,
  type ContractErrorCode,
  loadOpenApiDocument,
  MAX_DOCUMENT_BYTES,
} from '../src/index.js';
import { fixture } from './openapi-documents.js';

async function refusal(
  source: Parameters<typeof loadOpenApiDocument>[0],
  options?: { validate?: boolean },
) {
  try {
    await loadOpenApiDocument(source, options);
  } catch (error) {
    expect(error).toBeInstanceOf(ContractError);
    const { code, message } = error as ContractError;
    expect(message).not.toMatch(/\n/);
    expect(message).not.toMatch(/\bat .*\(.*:\d+:\d+\)/);
    return { code, message };
  }
  throw new Error('expected the document to be refused');
}

describe('bad documents are refused with a code and a one-line message naming the file', () => {
  const cases: [string, ContractErrorCode, string][] = [
    ['not-openapi.yaml', 'BW_CONTRACT_NOT_OPENAPI', 'not an OpenAPI document (no `openapi` field)'],
    ['invalid.yaml', 'BW_CONTRACT_NOT_OPENAPI', 'not valid YAML: '],
    ['invalid.json', 'BW_CONTRACT_NOT_OPENAPI', 'not valid JSON: '],
    [
      'swagger-2.0.yaml',
      'BW_CONTRACT_UNSUPPORTED_VERSION',
      'Swagger 2.0 is not supported (OpenAPI 3.0.x and 3.1.x are supported; convert it first)',
    ],
    [
      'openapi-4.0.0.yaml',
      'BW_CONTRACT_UNSUPPORTED_VERSION',
      'OpenAPI 4.0.0 is not supported (OpenAPI 3.0.x and 3.1.x are supported)',
    ],
    [
      'broken-ref.yaml',
      'BW_CONTRACT_BAD_REF',
      "$ref '#/components/schemas/Nope' cannot be resolved",
    ],
    [
      'broken-external-ref.yaml',
      'BW_CONTRACT_BAD_REF',
      "$ref to 'missing-schemas.yaml' cannot be resolved (no such file)",
    ],
    ['missing.yaml', 'BW_CONTRACT_UNREADABLE', 'cannot read (no such file)'],
    ['split', 'BW_CONTRACT_UNREADABLE', 'cannot read (is a directory)'],
  ];

  it.each(cases)('%s: %s', async (name, code, cause) => {
    const file = fixture('inputs', name);
    const refused = await refusal(file);
    expect(refused.code).toBe(code);
    expect(refused.message.startsWith(`${file}: ${cause}`)).toBe(true);
  });

  it('an in-memory document is named by its label', async () => {
    const refused = await refusal({
      label: 'snapshot of core-api',
      document: { openapi: '3.2.0', paths: {} },
    });
    expect(refused).toEqual({
      code: 'BW_CONTRACT_UNSUPPORTED_VERSION',
      message:
        'snapshot of core-api: OpenAPI 3.2.0 is not supported (OpenAPI 3.0.x and 3.1.x are supported)',
    });
  });

  it('a remote reference is not fetched', async () => {
    const document = {
      openapi: '3.1.0',
      info: { title: 'T', version: '1' },
      paths: {
        '/a': {
          get: {
            responses: {
              '200': {
                description: 'OK',
                content: {
                  'application/json': {
                    schema: { $ref: 'https://schemas.example.com/item.yaml#/Item' },
                  },
                },
              },
            },
          },
        },
      },
    };
    expect(await refusal({ label: 'remote', document })).toEqual({
      code: 'BW_CONTRACT_BAD_REF',
      message:
        "remote: $ref to 'https://schemas.example.com/item.yaml' cannot be resolved (remote references are not fetched)",
    });
  });

  it('a file over the size limit is refused before it is read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-contract-input-'));
    const file = join(dir, 'huge.json');
    writeFileSync(file, '');
    truncateSync(file, MAX_DOCUMENT_BYTES + 1);
    expect(await refusal(file)).toEqual({
      code: 'BW_CONTRACT_UNREADABLE',
      message: `${file}: ${MAX_DOCUMENT_BYTES + 1} bytes is larger than the 64 MiB limit`,
    });
  });

  it('a top level that is not a mapping is not OpenAPI', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-contract-input-'));
    const file = join(dir, 'list.yaml');
    writeFileSync(file, '- openapi\n- 3.1.0\n');
    expect(await refusal(file)).toEqual({
      code: 'BW_CONTRACT_NOT_OPENAPI',
      message: `${file}: not an OpenAPI document (the top level is not a mapping)`,
    });
  });

  it('validate: true refuses a document that breaks the OpenAPI schema (BW_CONTRACT_INVALID)', async () => {
    const file = fixture('inputs', 'invalid-openapi.yaml');
    // Without validation it loads: the diff only needs what it reads.
    await expect(loadOpenApiDocument(file)).resolves.toBeDefined();
    const refused = await refusal(file, { validate: true });
    expect(refused.code).toBe('BW_CONTRACT_INVALID');
    expect(refused.message).toMatch(
      new RegExp(
        `^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: invalid OpenAPI: #/paths/~1v1~1items/get/responses/200 must have required property 'description' \\(and \\d+ more\\)$`,
      ),
    );
  });

  it('resolves references into other files relative to the document', async () => {
    const loaded = await loadOpenApiDocument(fixture('inputs', 'split', 'openapi.yaml'), {
      validate: true,
    });
    const document = loaded.document as {
      paths: Record<
        string,
        {
          get: {
            responses: Record<
              string,
              { content: Record<string, { schema: { required: string[] } }> }
            >;
          };
        }
      >;
    };
    const schema =
      document.paths['/v1/items/{id}']?.get.responses['200']?.content['application/json']?.schema;
    expect(schema?.required).toEqual(['id']);
    expect(loaded.summary).toEqual({
      source: fixture('inputs', 'split', 'openapi.yaml'),
      openapi: '3.1.0',
      title: 'Items API',
      version: '1.0.0',
    });
  });

  it('reads JSON files and leaves an in-memory document untouched', async () => {
    const loaded = await loadOpenApiDocument(fixture('inputs', 'minimal.json'));
    expect(loaded.summary.openapi).toBe('3.0.3');
    const document = {
      openapi: '3.1.0',
      info: { title: 'T', version: '1' },
      components: { schemas: { A: { type: 'string' }, B: { $ref: '#/components/schemas/A' } } },
    };
    const before = structuredClone(document);
    const inMemory = await loadOpenApiDocument({ label: 'memory', document });
    expect(document).toEqual(before);
    // A 3.1 document may have no paths at all (components only); it stays without them.
    expect((inMemory.document as Record<string, unknown>).paths).toBeUndefined();
  });
});
