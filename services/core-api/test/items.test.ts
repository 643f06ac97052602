import type { Database } from '@bulwark/db';
import { createService, type Service } from '@bulwark/kit';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildCoreApi, type CoreApiSchema } from '../src/index.js';
import { emptyItems, sharedDatabase } from './fixtures/shared-database.js';

let db: Database<CoreApiSchema>;
const quietService = {
  env: {},
  handleProcessSignals: false,
  http: { port: 0 },
  shutdown: { drainDelayMs: 0 },
  logging: { level: 'silent' as const },
};
// Every core-api of this file stores its items in one database, emptied after each test.
const quiet = {
  ...quietService,
  get database() {
    return db;
  },
};
beforeAll(async () => {
  db = await sharedDatabase();
});
afterAll(() => db.close());
const running: Service[] = [];
afterEach(async () => {
  for (const service of running.splice(0).reverse()) await service.shutdown();
  await emptyItems(db);
});

async function listen(service: Service): Promise<string> {
  running.push(service);
  await service.listen();
  return `http://127.0.0.1:${service.port}`;
}

async function call(
  url: string,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' = 'GET',
  body?: unknown,
) {
  const response = await request(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.body.text();
  return { status: response.statusCode, body: text ? JSON.parse(text) : undefined };
}

/** A stand-in for the ledger service: a kit service that stores what it is sent. */
function fakeLedger(entries: unknown[], status = 201): Service {
  const ledger = createService({ name: 'ledger', version: '0.0.0', ...quietService });
  ledger.app.post('/v1/ledger/entries', async (req, reply) => {
    entries.push(req.body);
    return reply.code(status).send({ seq: entries.length });
  });
  return ledger;
}

describe('core-api /v1/items', () => {
  it('creates, reads, lists and deletes items with schema validation', async () => {
    const base = await listen(buildCoreApi(quiet));
    const created = await call(`${base}/v1/items`, 'POST', { name: 'bolt', quantity: 3 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'bolt', quantity: 3 });
    expect((await call(`${base}/v1/items/${created.body.id}`)).body.name).toBe('bolt');
    expect((await call(`${base}/v1/items`)).body.items).toHaveLength(1);
    expect((await call(`${base}/v1/items/${created.body.id}`, 'DELETE')).status).toBe(204);
    const gone = await call(`${base}/v1/items/${created.body.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.code).toBe('BW_NOT_FOUND');
    const invalid = await call(`${base}/v1/items`, 'POST', { name: '', quantity: -1, extra: true });
    expect(invalid.status).toBe(400);
    expect((await call(`${base}/v1/items/not-a-uuid`)).status).toBe(400);
  });

  it('replaces an item with PUT: a new version, and every later read sees it', async () => {
    const base = await listen(buildCoreApi(quiet));
    const created = await call(`${base}/v1/items`, 'POST', { name: 'bolt', quantity: 3 });
    expect(created.body).toMatchObject({ version: 1 });
    const id = created.body.id;
    // Read once so the item is cached: the replacement must not leave the old copy there.
    expect((await call(`${base}/v1/items/${id}`)).body.quantity).toBe(3);
    const replaced = await call(`${base}/v1/items/${id}`, 'PUT', { name: 'washer', quantity: 9 });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ id, name: 'washer', quantity: 9, version: 2 });
    expect(replaced.body.createdAt).toBe(created.body.createdAt);
    expect(Date.parse(replaced.body.updatedAt)).toBeGreaterThanOrEqual(
      Date.parse(created.body.updatedAt),
    );
    expect((await call(`${base}/v1/items/${id}`)).body).toEqual(replaced.body);
    expect((await call(`${base}/v1/items`)).body.items).toEqual([replaced.body]);
    const missing = await call(`${base}/v1/items/${crypto.randomUUID()}`, 'PUT', {
      name: 'x',
      quantity: 1,
    });
    expect(missing).toMatchObject({ status: 404, body: { code: 'BW_NOT_FOUND' } });
  });

  it('lists the newest items, oldest first, up to the limit', async () => {
    const base = await listen(buildCoreApi(quiet));
    for (const name of ['a', 'b', 'c', 'd'])
      expect((await call(`${base}/v1/items`, 'POST', { name, quantity: 1 })).status).toBe(201);
    const listed = await call(`${base}/v1/items?limit=2`);
    expect(listed.body.items.map((item: { name: string }) => item.name)).toEqual(['c', 'd']);
  });

  it('records every state change in the ledger before applying it', async () => {
    const entries: any[] = [];
    const ledgerUrl = await listen(fakeLedger(entries));
    const base = await listen(buildCoreApi({ ...quiet, ledgerUrl }));
    const created = await call(`${base}/v1/items`, 'POST', { name: 'nut', quantity: 1 });
    await call(`${base}/v1/items/${created.body.id}`, 'PUT', { name: 'nut', quantity: 2 });
    await call(`${base}/v1/items/${created.body.id}`, 'DELETE');
    expect(entries).toEqual([
      {
        stream: 'core-api',
        kind: 'item.create',
        actor: 'anonymous',
        payload: { name: 'nut', quantity: 1 },
      },
      {
        stream: 'core-api',
        kind: 'item.update',
        actor: 'anonymous',
        payload: { id: created.body.id, name: 'nut', quantity: 2 },
      },
      {
        stream: 'core-api',
        kind: 'item.delete',
        actor: 'anonymous',
        payload: { id: created.body.id },
      },
    ]);
    expect((await call(`${base}/v1/info`)).body.auditLedger).toBe('enabled');
  });

  it('fails closed with 503 when the ledger does not acknowledge, and applies nothing', async () => {
    const entries: unknown[] = [];
    const ledgerUrl = await listen(fakeLedger(entries, 500));
    const base = await listen(buildCoreApi({ ...quiet, ledgerUrl }));
    const refused = await call(`${base}/v1/items`, 'POST', { name: 'nut', quantity: 1 });
    expect(refused.status).toBe(503);
    expect(refused.body.code).toBe('BW_DEPENDENCY_UNAVAILABLE');
    expect((await call(`${base}/v1/items`)).body.items).toEqual([]);
  });

  it('applies no replacement the ledger did not acknowledge', async () => {
    const entries: unknown[] = [];
    const ledger = fakeLedger(entries);
    const ledgerUrl = await listen(ledger);
    const base = await listen(buildCoreApi({ ...quiet, ledgerUrl }));
    const created = await call(`${base}/v1/items`, 'POST', { name: 'nut', quantity: 1 });
    await ledger.shutdown();
    const refused = await call(`${base}/v1/items/${created.body.id}`, 'PUT', {
      name: 'nut',
      quantity: 5,
    });
    expect(refused.status).toBe(503);
    expect((await call(`${base}/v1/items/${created.body.id}`)).body).toEqual(created.body);
  });

  it('shows its database pool in /metrics once the database is open', async () => {
    const base = await listen(buildCoreApi(quiet));
    expect((await call(`${base}/ready`)).status).toBe(200);
    const metrics = await (await request(`${base}/metrics`)).body.text();
    // PGlite is one connection.
    expect(metrics).toContain('bulwark_db_pool_max{database="core-api"} 1');
    expect(metrics).toMatch(/bulwark_db_pool_connections\{database="core-api",state="idle"\} \d/);
    expect(metrics).toMatch(/bulwark_db_pool_waiting\{database="core-api"\} 0/);
  });

  it('is not ready while its ledger is down', async () => {
    const base = await listen(buildCoreApi({ ...quiet, ledgerUrl: 'http://127.0.0.1:1' }));
    const ready = await call(`${base}/ready`);
    expect(ready.status).toBe(503);
    expect(ready.body.failing).toEqual(['ledger']);
  });
});
