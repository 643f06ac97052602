import { type Database, openDatabase } from '@bulwark/db';
import { afterAll, describe, expect, it } from 'vitest';
import {
  builtInConfigSchemas,
  type ConfigRegistryError,
  diffDocuments,
  documentDigest,
  publishConfigVersion,
  RegistryStore,
} from '../src/index.js';
import { freshPostgresDatabase, sharedPostgres } from './fixtures/transport-servers.js';

const schemas = builtInConfigSchemas();
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const STORES = [
  { kind: 'pglite', available: true },
  { kind: 'postgres', available: sharedPostgres.available },
] as const;

async function openStore(kind: 'pglite' | 'postgres'): Promise<RegistryStore> {
  let db: Database;
  if (kind === 'pglite') {
    db = await openDatabase({ url: 'memory://', name: 'registry-versions' });
  } else {
    const fresh = await freshPostgresDatabase();
    db = await openDatabase({ url: fresh.url, name: 'registry-versions' });
    cleanups.push(fresh.remove);
  }
  cleanups.push(() => db.close());
  await RegistryStore.migrate(db);
  return new RegistryStore(db);
}

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: ConfigRegistryError) => ({
      code: error.code,
      path: error.path,
      message: error.message,
    }),
  );

describe.each(STORES)('on $kind', ({ kind, available }) => {
  it.skipIf(!available)(
    'numbers versions from 1, keeps every one and pages its history',
    async () => {
      const store = await openStore(kind);
      const publish = (document: Record<string, unknown>, message?: string) =>
        publishConfigVersion(store, schemas, {
          config: 'notifications',
          document,
          publishedBy: 'alice',
          message,
        });
      const v1 = await publish({ janitor: { enabled: false } }, 'turn the janitor off');
      const v2 = await publish({ janitor: { enabled: true, intervalSeconds: 60 } });
      const v3 = await publish({ smtp: { password: `\${secret:smtp#password}` } });
      expect([v1.version, v2.version, v3.version]).toEqual([1, 2, 3]);
      expect(v1).toMatchObject({
        config: 'notifications',
        schemaVersion: 1,
        document: { janitor: { enabled: false } },
        digest: documentDigest({ janitor: { enabled: false } }),
        publishedBy: 'alice',
        message: 'turn the janitor off',
      });
      expect(await store.version('notifications', 2)).toEqual(v2);
      expect(await store.latestVersion('notifications')).toEqual(v3);
      expect((await store.history('notifications', { limit: 2 })).map((v) => v.version)).toEqual([
        3, 2,
      ]);
      const older = await store.history('notifications', { limit: 2, before: 2 });
      expect(older).toEqual([
        {
          config: 'notifications',
          version: 1,
          schemaVersion: 1,
          digest: v1.digest,
          publishedAt: v1.publishedAt,
          publishedBy: 'alice',
          message: 'turn the janitor off',
        },
      ]);
      expect(await store.version('notifications', 4)).toBeUndefined();
    },
  );

  it.skipIf(!available)(
    'refuses a document failing its schema, a literal secret and an unknown schema version',
    async () => {
      const store = await openStore(kind);
      const publish = (document: unknown, schemaVersion?: number) =>
        refusal(
          publishConfigVersion(store, schemas, {
            config: 'notifications',
            document,
            schemaVersion,
            publishedBy: 'alice',
          }),
        );
      expect(await publish({ janitor: { intervalSeconds: 5 } })).toMatchObject({
        code: 'CONFIG_INVALID',
        path: '/janitor/intervalSeconds',
      });
      expect(await publish({ janitor: { enabled: 'no' } })).toMatchObject({
        code: 'CONFIG_INVALID',
        path: '/janitor/enabled',
      });
      expect(await publish({ smtp: { password: 'hunter2' } })).toMatchObject({
        code: 'CONFIG_LITERAL_SECRET',
        path: '/smtp/password',
      });
      expect(await publish({}, 7)).toMatchObject({ code: 'CONFIG_UNKNOWN_SCHEMA' });
      expect(
        await refusal(
          publishConfigVersion(store, schemas, {
            config: 'billing',
            document: {},
            publishedBy: 'a',
          }),
        ),
      ).toEqual({
        code: 'CONFIG_NOT_FOUND',
        path: undefined,
        message: 'no config is named billing: the registry knows notifications',
      });
      // Nothing refused was stored.
      expect(await store.latestVersion('notifications')).toBeUndefined();
    },
  );
});

it.skipIf(!sharedPostgres.available)(
  'gives concurrent publishes distinct consecutive versions on PostgreSQL',
  async () => {
    const store = await openStore('postgres');
    const published = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        publishConfigVersion(store, schemas, {
          config: 'notifications',
          document: { janitor: { retentionDays: i + 1 } },
          publishedBy: 'alice',
        }),
      ),
    );
    expect(published.map((v) => v.version).sort((a, b) => a - b)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
  },
);

it('a digest ignores key order; a diff names each changed pointer', () => {
  expect(documentDigest({ a: 1, b: { c: [1, 2] } })).toBe(
    documentDigest({ b: { c: [1, 2] }, a: 1 }),
  );
  expect(documentDigest({ a: 1 })).not.toBe(documentDigest({ a: 2 }));
  expect(
    diffDocuments(
      { janitor: { enabled: true, intervalSeconds: 60 }, smtp: { host: 'a' }, tags: [1, 2] },
      {
        janitor: { enabled: false, intervalSeconds: 60 },
        delivery: { workers: 8 },
        tags: [1, 2, 3],
      },
    ),
  ).toEqual([
    { op: 'add', path: '/delivery', value: { workers: 8 } },
    { op: 'replace', path: '/janitor/enabled', oldValue: true, value: false },
    { op: 'remove', path: '/smtp', oldValue: { host: 'a' } },
    { op: 'replace', path: '/tags', oldValue: [1, 2], value: [1, 2, 3] },
  ]);
  expect(diffDocuments({ 'a/b': { '~': 1 } }, { 'a/b': { '~': 2 } })).toEqual([
    { op: 'replace', path: '/a~1b/~0', oldValue: 1, value: 2 },
  ]);
  expect(diffDocuments({ a: [{ x: 1 }] }, { a: [{ x: 1 }] })).toEqual([]);
});
