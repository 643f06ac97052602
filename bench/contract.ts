/**
 * bench:contract: what `bulwark contract diff` costs on a large API, against loading the two
 * documents (read, parse, resolve every `$ref`), the floor any OpenAPI diff pays, measured in
 * the same run.
 *
 *   npm run bench:contract -- [--runs 7] [--resources 500]
 *
 * Generates an OpenAPI 3.1 document of 1,000 paths (500 resources, each a collection path with
 * list and create and an item path with get, put, patch and delete: 3,000 operations), with
 * shared component schemas, parameters and responses behind `$ref`, nested objects, enums and
 * constraints, and a second version carrying a realistic release's changes (operations and
 * properties removed, fields made required, limits tightened, enum values added, optional
 * parameters and properties added, operations deprecated, five resources moved to /v2, twenty new
 * paths, and a shared component every operation uses gaining a property). Both are written as
 * JSON to a temporary directory. Each run times (1) the baseline, `loadOpenApiDocument` on both
 * files, (2) `diffContracts` on the pair it loaded, and (3) the whole command's work, load both
 * and diff, as its own pass; the two passes alternate which goes first. One warm-up run is
 * dropped, medians are reported with diff/baseline and total/baseline.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type ContractDiff, diffContracts, loadOpenApiDocument } from '@bulwark/contract';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '7' },
    resources: { type: 'string', default: '500' },
  },
});
const RUNS = Number(values.runs);
const RESOURCES = Number(values.resources);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error('--runs must be a whole number >= 1');
if (!Number.isInteger(RESOURCES) || RESOURCES < 1)
  throw new Error('--resources must be a whole number >= 1');

type Json = Record<string, unknown>;
const ref = (kind: string, name: string): Json => ({ $ref: `#/components/${kind}/${name}` });
const json = (schema: Json): Json => ({ 'application/json': { schema } });

/** Which release of the document is being built, and what its resources look like there. */
interface Version {
  readonly next: boolean;
}

/** Every nth resource (offset by `at`) gets one kind of change in the next version. */
const every = (r: number, n: number, at: number) => r % n === at % n;

/** Resources that move from /v1 to /v2 in the next version, the old path removed. */
const movesToV2 = (r: number) => every(r, 100, 3);

const SHARED_SCHEMAS = (v: Version): Json => ({
  Money: {
    type: 'object',
    required: ['amount', 'currency'],
    properties: {
      amount: { type: 'string', pattern: '^-?[0-9]+(\\.[0-9]{1,4})?$' },
      currency: { type: 'string', enum: ['EUR', 'USD', 'GBP', 'CHF'] },
    },
  },
  Address: {
    type: 'object',
    required: ['line1', 'city', 'country'],
    properties: {
      line1: { type: 'string', maxLength: 200 },
      line2: { type: ['string', 'null'], maxLength: 200 },
      city: { type: 'string', maxLength: 100 },
      postcode: { type: 'string', maxLength: 20 },
      country: { type: 'string', minLength: 2, maxLength: 2 },
    },
  },
  AuditInfo: {
    type: 'object',
    required: ['createdAt', 'createdBy'],
    properties: {
      createdAt: { type: 'string', format: 'date-time' },
      updatedAt: { type: 'string', format: 'date-time' },
      createdBy: { type: 'string', maxLength: 128 },
      // The shared change every operation sees: one component, a property added.
      ...(v.next ? { revision: { type: 'integer', minimum: 0 } } : {}),
    },
  },
  Tag: {
    type: 'object',
    required: ['key'],
    properties: { key: { type: 'string', maxLength: 64 }, value: { type: 'string' } },
  },
  Status: { type: 'string', enum: ['active', 'suspended', 'closed'] },
  PageInfo: {
    type: 'object',
    required: ['limit'],
    properties: {
      next: { type: ['string', 'null'] },
      limit: { type: 'integer', minimum: 1, maximum: 100 },
    },
  },
  Problem: {
    type: 'object',
    required: ['type', 'title', 'status'],
    properties: {
      type: { type: 'string', format: 'uri-reference' },
      title: { type: 'string' },
      status: { type: 'integer', minimum: 100, maximum: 599 },
      detail: { type: 'string' },
      code: { type: 'string' },
    },
  },
});

function resourceSchemas(r: number, v: Version): Json {
  const name = `Res${r}`;
  const kinds = ['standard', 'premium', ...(v.next && every(r, 30, 19) ? ['trial'] : [])];
  const metrics = {
    type: 'object',
    properties: {
      views: { type: 'integer', minimum: 0 },
      score: { type: 'number', minimum: 0, maximum: 1 },
    },
  };
  const shipping = {
    type: 'object',
    properties: {
      address: ref('schemas', 'Address'),
      instructions: { type: 'string', maxLength: 500 },
      window: {
        type: 'object',
        required: ['from'],
        properties: {
          from: { type: 'string', format: 'date-time' },
          to: { type: 'string', format: 'date-time' },
        },
      },
    },
  };
  return {
    [name]: {
      type: 'object',
      required: ['id', 'name', 'status', 'audit'],
      properties: {
        id: { type: 'string', format: 'uuid' },
        name: { type: 'string', maxLength: 200 },
        kind: { type: 'string', enum: kinds },
        status: ref('schemas', 'Status'),
        price: ref('schemas', 'Money'),
        tags: { type: 'array', items: ref('schemas', 'Tag'), maxItems: 50 },
        shipping,
        ...(v.next && every(r, 40, 13) ? {} : { metrics }),
        ...(v.next && every(r, 7, 0) ? { etag: { type: 'string' } } : {}),
        audit: ref('schemas', 'AuditInfo'),
      },
    },
    [`${name}Input`]: {
      type: 'object',
      required: ['name', ...(v.next && every(r, 60, 17) ? ['note'] : [])],
      additionalProperties: false,
      properties: {
        name: { type: 'string', minLength: 1, maxLength: v.next && every(r, 75, 23) ? 100 : 200 },
        kind: { type: 'string', enum: kinds },
        status: ref('schemas', 'Status'),
        price: ref('schemas', 'Money'),
        tags: { type: 'array', items: ref('schemas', 'Tag'), maxItems: 50 },
        note: { type: 'string', maxLength: 1000 },
        shipping,
      },
    },
    [`${name}Page`]: {
      type: 'object',
      required: ['items', 'page'],
      properties: {
        items: { type: 'array', items: ref('schemas', name) },
        page: ref('schemas', 'PageInfo'),
      },
    },
  };
}

const PROBLEM_RESPONSES = {
  '400': ref('responses', 'BadRequest'),
  '401': ref('responses', 'Unauthorized'),
  default: ref('responses', 'Problem'),
};

function resourcePaths(r: number, v: Version, prefix: string): Json {
  const name = `Res${r}`;
  const scope = (action: string) => [{ oauth: [`res${r}:${action}`] }];
  const writeScopes =
    v.next && every(r, 90, 31) ? [{ oauth: [`res${r}:write`, 'audit:write'] }] : scope('write');
  const item = { '200': { description: 'The resource', content: json(ref('schemas', name)) } };
  const collection = {
    get: {
      operationId: `list${name}`,
      summary: `List res${r}`,
      ...(v.next && every(r, 20, 9) ? { description: `Lists res${r}, newest first.` } : {}),
      security: scope('read'),
      parameters: [
        ref('parameters', 'Limit'),
        ref('parameters', 'Cursor'),
        ref('parameters', 'RequestId'),
        { name: 'status', in: 'query', schema: ref('schemas', 'Status') },
        ...(v.next && every(r, 10, 1)
          ? [{ name: 'sort', in: 'query', schema: { type: 'string', enum: ['asc', 'desc'] } }]
          : []),
        ...(v.next && every(r, 100, 11)
          ? [{ name: 'tenant', in: 'query', required: true, schema: { type: 'string' } }]
          : []),
      ],
      responses: {
        '200': { description: 'A page', content: json(ref('schemas', `${name}Page`)) },
        ...PROBLEM_RESPONSES,
      },
    },
    post: {
      operationId: `create${name}`,
      security: writeScopes,
      parameters: [ref('parameters', 'RequestId')],
      requestBody: { required: true, content: json(ref('schemas', `${name}Input`)) },
      responses: {
        '201': {
          description: 'Created',
          headers: { Location: { schema: { type: 'string', format: 'uri-reference' } } },
          content: json(ref('schemas', name)),
        },
        '409': ref('responses', 'Conflict'),
        ...PROBLEM_RESPONSES,
      },
    },
  };
  const single = {
    parameters: [ref('parameters', 'Id')],
    get: {
      operationId: `get${name}`,
      ...(v.next && every(r, 25, 5) ? { deprecated: true } : {}),
      security: scope('read'),
      responses: { ...item, '404': ref('responses', 'NotFound'), ...PROBLEM_RESPONSES },
    },
    put: {
      operationId: `replace${name}`,
      security: writeScopes,
      parameters: [ref('parameters', 'IfMatch')],
      requestBody: { required: true, content: json(ref('schemas', `${name}Input`)) },
      responses: { ...item, '404': ref('responses', 'NotFound'), ...PROBLEM_RESPONSES },
    },
    patch: {
      operationId: `update${name}`,
      security: writeScopes,
      requestBody: {
        required: true,
        content: { 'application/merge-patch+json': { schema: ref('schemas', `${name}Input`) } },
      },
      responses: {
        ...item,
        ...(v.next && every(r, 45, 29) ? {} : { '404': ref('responses', 'NotFound') }),
        ...PROBLEM_RESPONSES,
      },
    },
    ...(v.next && every(r, 50, 7)
      ? {}
      : {
          delete: {
            operationId: `delete${name}`,
            security: writeScopes,
            responses: { '204': { description: 'Deleted' }, ...PROBLEM_RESPONSES },
          },
        }),
  };
  return { [`${prefix}/res${r}`]: collection, [`${prefix}/res${r}/{id}`]: single };
}

const problem = (description: string): Json => ({
  description,
  content: { 'application/problem+json': { schema: ref('schemas', 'Problem') } },
});

function openApiDocument(v: Version): Json {
  const paths: Json = {};
  const schemas: Json = SHARED_SCHEMAS(v);
  for (let r = 0; r < RESOURCES; r++) {
    Object.assign(schemas, resourceSchemas(r, v));
    Object.assign(paths, resourcePaths(r, v, v.next && movesToV2(r) ? '/v2' : '/v1'));
  }
  if (v.next) {
    // Twenty new paths: ten new resources, built like the others.
    for (let r = RESOURCES; r < RESOURCES + 10; r++) {
      Object.assign(schemas, resourceSchemas(r, v));
      Object.assign(paths, resourcePaths(r, v, '/v1'));
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Bench Commerce API', version: v.next ? '1.5.0' : '1.4.0' },
    paths,
    components: {
      schemas,
      parameters: {
        Id: { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
        Limit: {
          name: 'limit',
          in: 'query',
          schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
        },
        Cursor: { name: 'cursor', in: 'query', schema: { type: 'string', maxLength: 512 } },
        RequestId: { name: 'X-Request-Id', in: 'header', schema: { type: 'string' } },
        IfMatch: { name: 'If-Match', in: 'header', schema: { type: 'string' } },
      },
      responses: {
        BadRequest: problem('The request is invalid'),
        Unauthorized: problem('No valid credentials'),
        NotFound: problem('No such resource'),
        Conflict: problem('The resource changed meanwhile'),
        Problem: problem('An error'),
      },
      securitySchemes: {
        oauth: {
          type: 'oauth2',
          flows: { clientCredentials: { tokenUrl: 'https://auth.example.com/token', scopes: {} } },
        },
      },
    },
  };
}

const median = (xs: readonly number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const dir = mkdtempSync(join(tmpdir(), 'bench-contract-'));
try {
  const oldFile = join(dir, 'old.json');
  const newFile = join(dir, 'new.json');
  const oldDocument = openApiDocument({ next: false });
  const newDocument = openApiDocument({ next: true });
  writeFileSync(oldFile, `${JSON.stringify(oldDocument, null, 2)}\n`);
  writeFileSync(newFile, `${JSON.stringify(newDocument, null, 2)}\n`);
  const count = (document: Json) => {
    const paths = Object.values(document.paths as Json) as Json[];
    const methods = ['get', 'put', 'post', 'delete', 'patch'];
    return {
      paths: paths.length,
      operations: paths.reduce((n, item) => n + methods.filter((m) => m in item).length, 0),
      schemas: Object.keys((document.components as { schemas: Json }).schemas).length,
    };
  };
  const size = (file: string) => `${(statSync(file).size / (1024 * 1024)).toFixed(1)} MiB`;

  const loadBoth = () =>
    Promise.all([loadOpenApiDocument(oldFile), loadOpenApiDocument(newFile)]).then(
      ([older, newer]) => ({ older, newer }),
    );
  const baseline: number[] = [];
  const diffing: number[] = [];
  const total: number[] = [];
  let diff: ContractDiff | undefined;
  for (let run = 0; run <= RUNS; run++) {
    const passes = [
      async () => {
        const t0 = performance.now();
        const { older, newer } = await loadBoth();
        const t1 = performance.now();
        diff = diffContracts(older, newer);
        const t2 = performance.now();
        return () => {
          baseline.push(t1 - t0);
          diffing.push(t2 - t1);
        };
      },
      async () => {
        const t0 = performance.now();
        const { older, newer } = await loadBoth();
        diffContracts(older, newer);
        const ms = performance.now() - t0;
        return () => total.push(ms);
      },
    ];
    // Alternate which pass goes first, so neither always runs on a heap the other just filled.
    if (run % 2 === 1) passes.reverse();
    const records = [];
    for (const pass of passes) records.push(await pass());
    if (run === 0) continue; // warm-up: JIT, file cache
    for (const record of records) record();
    process.stderr.write(
      `run ${run}: load both ${baseline.at(-1)?.toFixed(0)} ms, diff ${diffing.at(-1)?.toFixed(0)} ms, load + diff ${total.at(-1)?.toFixed(0)} ms\n`,
    );
  }
  if (!diff) throw new Error('no diff was computed');

  const o = count(oldDocument);
  const n = count(newDocument);
  const b = median(baseline);
  const d = median(diffing);
  const t = median(total);
  const byClass = new Map<string, number>();
  for (const change of diff.changes)
    byClass.set(change.classId, (byClass.get(change.classId) ?? 0) + 1);
  const allowedBy = (why: string) => diff?.changes.filter((c) => c.excusedBy === why).length;
  console.log(
    `bench:contract  OpenAPI 3.1, old: ${o.paths} paths, ${o.operations} operations, ${o.schemas} component schemas (${size(oldFile)}); new: ${n.paths} paths, ${n.operations} operations (${size(newFile)}); median of ${RUNS} runs`,
  );
  console.log(
    `  changes: ${diff.changes.length} (${diff.counts.error} error, ${diff.breaking} of them breaking, ${allowedBy('path-major')} allowed by a /v2 path, ${allowedBy('info.version')} by info.version; ${diff.counts.warning} warning; ${diff.counts.info} info), verdict ${diff.verdict}`,
  );
  console.log(
    `  by class: ${[...byClass]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([id, k]) => `${id} ${k}`)
      .join(', ')}`,
  );
  console.log(`  load both documents (parse + $ref), baseline   ${b.toFixed(1)} ms`);
  console.log(
    `  diffContracts on the loaded pair                ${d.toFixed(1)} ms   diff/baseline ${(d / b).toFixed(3)}`,
  );
  console.log(
    `  load both + diff (the command's work)           ${t.toFixed(1)} ms   total/baseline ${(t / b).toFixed(3)}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
