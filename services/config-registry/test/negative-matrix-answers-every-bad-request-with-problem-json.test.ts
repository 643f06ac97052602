import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Registry, startRegistry } from './fixtures/registry.js';

let registry: Registry;
beforeAll(async () => {
  registry = await startRegistry();
  const v1 = await registry.call('POST', '/v1/configs/notifications/versions', {
    document: { janitor: { enabled: false } },
  });
  expect(v1.status).toBe(201);
});
afterAll(() => registry?.close());

type Case = [
  what: string,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body: unknown,
  status: number,
  code: string | RegExp,
  options?: { raw?: string; contentType?: string },
];

const V = '/v1/configs/notifications';
const CASES: Case[] = [
  [
    'a body that is not JSON',
    'POST',
    `${V}/versions`,
    undefined,
    400,
    /^BW_/,
    { raw: '{"document":' },
  ],
  ['a body without its document', 'POST', `${V}/versions`, {}, 400, 'BW_VALIDATION'],
  ['a document that is an array', 'POST', `${V}/versions`, { document: [1] }, 400, 'BW_VALIDATION'],
  [
    'a field the body does not have',
    'POST',
    `${V}/versions`,
    { document: {}, id: 3 },
    400,
    'BW_VALIDATION',
  ],
  [
    'a schema version of 0',
    'POST',
    `${V}/versions`,
    { document: {}, schemaVersion: 0 },
    400,
    'BW_VALIDATION',
  ],
  [
    'JSON sent as text',
    'POST',
    `${V}/versions`,
    undefined,
    415,
    'BW_UNSUPPORTED_MEDIA_TYPE',
    { raw: '{"document":{}}', contentType: 'text/plain' },
  ],
  [
    'a config name with a bad character',
    'POST',
    '/v1/configs/Bad.Name/versions',
    { document: {} },
    400,
    'BW_VALIDATION',
  ],
  [
    'a config nobody defined',
    'POST',
    '/v1/configs/billing/versions',
    { document: {} },
    404,
    'CONFIG_NOT_FOUND',
  ],
  [
    'the history of an unknown config',
    'GET',
    '/v1/configs/billing/versions',
    undefined,
    404,
    'CONFIG_NOT_FOUND',
  ],
  ['a page of 0', 'GET', `${V}/versions?limit=0`, undefined, 400, 'BW_VALIDATION'],
  ['a page too large', 'GET', `${V}/versions?limit=1000`, undefined, 400, 'BW_VALIDATION'],
  ['an unknown query parameter', 'GET', `${V}/versions?limt=5`, undefined, 400, 'BW_VALIDATION'],
  ['version 0', 'GET', `${V}/versions/0`, undefined, 400, 'BW_VALIDATION'],
  [
    'a version that is not a number',
    'GET',
    `${V}/versions/latest`,
    undefined,
    400,
    'BW_VALIDATION',
  ],
  ['a version not published', 'GET', `${V}/versions/99`, undefined, 404, 'CONFIG_NOT_FOUND'],
  ['a diff without its target', 'GET', `${V}/diff?from=1`, undefined, 400, 'BW_VALIDATION'],
  [
    'a diff to a version not published',
    'GET',
    `${V}/diff?from=1&to=99`,
    undefined,
    404,
    'CONFIG_NOT_FOUND',
  ],
  [
    'a diff from a version not published',
    'GET',
    `${V}/diff?from=98&to=1`,
    undefined,
    404,
    'CONFIG_NOT_FOUND',
  ],
  ['a rollout id that is not a UUID', 'GET', '/v1/rollouts/42', undefined, 400, 'BW_VALIDATION'],
  [
    'a rollout that does not exist',
    'GET',
    `/v1/rollouts/${randomUUID()}`,
    undefined,
    404,
    'CONFIG_NOT_FOUND',
  ],
  ['a rollout without a version', 'POST', `${V}/rollouts`, {}, 400, 'BW_VALIDATION'],
  ['a rollout version as text', 'POST', `${V}/rollouts`, { version: '1' }, 400, 'BW_VALIDATION'],
  [
    'a stage of 0 instances',
    'POST',
    `${V}/rollouts`,
    { version: 1, stages: [{ count: 0 }] },
    400,
    'BW_VALIDATION',
  ],
  [
    'a stage of more than all',
    'POST',
    `${V}/rollouts`,
    { version: 1, stages: [{ share: 2 }] },
    400,
    'BW_VALIDATION',
  ],
  [
    'a stage that is neither',
    'POST',
    `${V}/rollouts`,
    { version: 1, stages: [{ percent: 5 }] },
    400,
    'BW_VALIDATION',
  ],
  ['a negative bake', 'POST', `${V}/rollouts`, { version: 1, bakeMs: -1 }, 400, 'BW_VALIDATION'],
  [
    'an ack timeout of 0',
    'POST',
    `${V}/revert`,
    { version: 1, ackTimeoutMs: 0 },
    400,
    'BW_VALIDATION',
  ],
  [
    'a rollout of an unknown config',
    'POST',
    '/v1/configs/billing/rollouts',
    { version: 1 },
    404,
    'CONFIG_NOT_FOUND',
  ],
  [
    'the rollouts of an unknown config',
    'GET',
    '/v1/configs/billing/rollouts',
    undefined,
    404,
    'CONFIG_NOT_FOUND',
  ],
  ['an unknown config', 'GET', '/v1/configs/billing', undefined, 404, 'CONFIG_NOT_FOUND'],
  [
    'the instances of an unknown config',
    'GET',
    '/v1/configs/billing/instances',
    undefined,
    404,
    'CONFIG_NOT_FOUND',
  ],
  [
    'forgetting an instance nobody announced',
    'DELETE',
    `${V}/instances/i-9`,
    undefined,
    404,
    'CONFIG_NOT_FOUND',
  ],
  ['an instance id with a dot', 'DELETE', `${V}/instances/i.9`, undefined, 400, 'BW_VALIDATION'],
  [
    'another method on a known path',
    'DELETE',
    `${V}/versions`,
    undefined,
    405,
    'BW_METHOD_NOT_ALLOWED',
  ],
  ['a path that does not exist', 'GET', '/v1/config', undefined, 404, 'BW_NOT_FOUND'],
];

it.each(CASES)('%s: %s %s answers %#', async (_what, method, path, body, status, code, options) => {
  const answer = await registry.call(method, path, body, options);
  expect(answer.status).toBe(status);
  expect(answer.contentType).toContain('application/problem+json');
  expect(answer.body.status).toBe(status);
  if (typeof code === 'string') expect(answer.body.code).toBe(code);
  else expect(answer.body.code).toMatch(code);
  expect(answer.body.errorId).toMatch(/^[0-9a-f-]{36}$/);
  expect(answer.body.detail).toEqual(expect.any(String));
});

it('names the field a body got wrong', async () => {
  const answer = await registry.call('POST', `${V}/rollouts`, {
    version: 1,
    stages: [{ count: 0 }],
  });
  expect(answer.body.detail).toContain('body/stages/0');
  const extra = await registry.call('POST', `${V}/versions`, { document: {}, id: 3 });
  expect(extra.body.errors).toEqual([{ pointer: '#/id', detail: 'is not an allowed field' }]);
});
