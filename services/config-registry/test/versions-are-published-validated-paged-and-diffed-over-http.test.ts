import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Registry, startRegistry } from './fixtures/registry.js';

let registry: Registry;
beforeAll(async () => {
  // Built without a transport (the environment would give it the embedded one).
  registry = await startRegistry({}, { transport: undefined });
});
afterAll(() => registry?.close());

const publish = (document: unknown, extra: Record<string, unknown> = {}) =>
  registry.call('POST', '/v1/configs/notifications/versions', { document, ...extra });

it('publishes versions numbered from 1 and keeps them as history, newest first, in pages', async () => {
  const v1 = await publish({ janitor: { enabled: false } }, { message: 'janitor off' });
  expect(v1.status).toBe(201);
  expect(v1.body).toMatchObject({
    config: 'notifications',
    version: 1,
    schemaVersion: 1,
    document: { janitor: { enabled: false } },
    publishedBy: 'anonymous',
    message: 'janitor off',
  });
  expect(v1.body.digest).toMatch(/^[0-9a-f]{64}$/);
  for (const interval of [60, 120, 180]) {
    expect((await publish({ janitor: { intervalSeconds: interval } })).status).toBe(201);
  }

  const first = await registry.call('GET', '/v1/configs/notifications/versions?limit=3');
  expect(first.status).toBe(200);
  expect(first.body.versions.map((v: { version: number }) => v.version)).toEqual([4, 3, 2]);
  expect(first.body.versions[0].document).toBeUndefined();
  expect(first.body.next).toBe(2);
  const second = await registry.call('GET', '/v1/configs/notifications/versions?limit=3&before=2');
  expect(second.body).toMatchObject({
    versions: [{ version: 1, message: 'janitor off' }],
    next: null,
  });

  const one = await registry.call('GET', '/v1/configs/notifications/versions/3');
  expect(one.body).toMatchObject({ version: 3, document: { janitor: { intervalSeconds: 120 } } });

  const diff = await registry.call('GET', '/v1/configs/notifications/diff?from=1&to=3');
  expect(diff.body).toEqual({
    config: 'notifications',
    from: 1,
    to: 3,
    changes: [
      { op: 'remove', path: '/janitor/enabled', oldValue: false },
      { op: 'add', path: '/janitor/intervalSeconds', value: 120 },
    ],
  });
  const fromNothing = await registry.call('GET', '/v1/configs/notifications/diff?from=0&to=1');
  expect(fromNothing.body.changes).toEqual([
    { op: 'add', path: '/janitor', value: { enabled: false } },
  ]);

  const config = await registry.call('GET', '/v1/configs/notifications');
  expect(config.body).toMatchObject({
    config: 'notifications',
    schemaVersions: [1],
    latestVersion: 4,
    currentVersion: 0,
    rollout: null,
    instances: 0,
  });
  const list = await registry.call('GET', '/v1/configs');
  expect(list.body.configs.map((c: { config: string }) => c.config)).toEqual(['notifications']);
});

it('refuses a document failing its schema, naming the JSON pointer, as 422 problem+json', async () => {
  const answer = await publish({ janitor: { intervalSeconds: 5 } });
  expect(answer.status).toBe(422);
  expect(answer.contentType).toContain('application/problem+json');
  expect(answer.body).toMatchObject({ code: 'CONFIG_INVALID', status: 422 });
  expect(answer.body.detail).toContain('/janitor/intervalSeconds');
  expect(answer.body.errorId).toMatch(/[0-9a-f-]{36}/);

  const unknownKey = await publish({ janitor: { enabledd: true } });
  expect(unknownKey.body).toMatchObject({ code: 'CONFIG_INVALID' });
  expect(unknownKey.body.detail).toContain('/janitor/enabledd is not a known key');
});

it('refuses a literal secret with its own code, naming the pointer and never the value', async () => {
  const answer = await publish({ smtp: { password: 'hunter2-very-secret' } });
  expect(answer.status).toBe(422);
  expect(answer.body.code).toBe('CONFIG_LITERAL_SECRET');
  expect(answer.body.detail).toContain('/smtp/password');
  expect(answer.text).not.toContain('hunter2');
  const url = await publish({ smtp: { host: 'postgres://app:s3cret@db:5432/x' } });
  expect(url.body.code).toBe('CONFIG_LITERAL_SECRET');
  expect(url.text).not.toContain('s3cret');
  // A reference is what belongs there.
  expect((await publish({ smtp: { password: `\${secret:smtp#password}` } })).status).toBe(201);
});

it('refuses an unknown schema version, and an unknown config', async () => {
  const version = await publish({}, { schemaVersion: 9 });
  expect(version.status).toBe(422);
  expect(version.body.code).toBe('CONFIG_UNKNOWN_SCHEMA');
  expect(version.body.detail).toContain('notifications has v1');

  const config = await registry.call('POST', '/v1/configs/billing/versions', { document: {} });
  expect(config.status).toBe(404);
  expect(config.body).toMatchObject({
    code: 'CONFIG_NOT_FOUND',
    detail: 'no config is named billing: the registry knows notifications',
  });
});

it('keeps versions without a transport, and answers rollouts 503 saying a transport is needed', async () => {
  const answer = await registry.call('POST', '/v1/configs/notifications/rollouts', { version: 1 });
  expect(answer.status).toBe(503);
  expect(answer.body.code).toBe('CONFIG_NO_TRANSPORT');
  expect(answer.body.detail).toContain('set NATS_URL');
  const revert = await registry.call('POST', '/v1/configs/notifications/revert', { version: 1 });
  expect(revert.body.code).toBe('CONFIG_NO_TRANSPORT');

  // /health says so (warn) and shows each config's latest version.
  // The report is a copy, refreshed after each change: read once the last publish is in it.
  let health = await registry.call('GET', '/health');
  for (let i = 0; i < 100 && health.body.configs.configs.notifications?.latestVersion !== 5; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    health = await registry.call('GET', '/health');
  }
  expect(health.status).toBe(200);
  expect(health.body.status).toBe('warn');
  expect(health.body.configs).toMatchObject({
    status: 'warn',
    transport: 'none',
    configs: { notifications: { latestVersion: 5, currentVersion: 0, rollout: null } },
  });
});

it('serves its metrics: versions published and the latest version of each config', async () => {
  const metrics = await registry.call('GET', '/metrics');
  expect(metrics.text).toMatch(/config_registry_versions_total\{config="notifications"\} 5/);
  expect(metrics.text).toMatch(/config_registry_latest_version\{config="notifications"\} 5/);
});

it('describes every route in its OpenAPI document', async () => {
  const document = (await registry.call('GET', '/openapi.json')).body;
  expect(Object.keys(document.paths).sort()).toEqual([
    '/v1/configs',
    '/v1/configs/{name}',
    '/v1/configs/{name}/diff',
    '/v1/configs/{name}/instances',
    '/v1/configs/{name}/instances/{instance}',
    '/v1/configs/{name}/revert',
    '/v1/configs/{name}/rollouts',
    '/v1/configs/{name}/versions',
    '/v1/configs/{name}/versions/{version}',
    '/v1/rollouts/{id}',
  ]);
  const publishOp = document.paths['/v1/configs/{name}/versions'].post;
  expect(Object.keys(publishOp.responses)).toEqual(expect.arrayContaining(['201', '404', '422']));
});
