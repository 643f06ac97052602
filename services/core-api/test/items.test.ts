import { createService, type Service } from '@bulwark/kit';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { buildCoreApi } from '../src/index.js';

const quiet = {
  env: {},
  handleProcessSignals: false,
  http: { port: 0 },
  shutdown: { drainDelayMs: 0 },
  logging: { level: 'silent' as const },
};
const running: Service[] = [];
afterEach(async () => {
  for (const service of running.splice(0).reverse()) await service.shutdown();
});

async function listen(service: Service): Promise<string> {
  running.push(service);
  await service.listen();
  return `http://127.0.0.1:${service.port}`;
}

async function call(url: string, method: 'GET' | 'POST' | 'DELETE' = 'GET', body?: unknown) {
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
  const ledger = createService({ name: 'ledger', version: '0.0.0', ...quiet });
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

  it('records every state change in the ledger before applying it', async () => {
    const entries: any[] = [];
    const ledgerUrl = await listen(fakeLedger(entries));
    const base = await listen(buildCoreApi({ ...quiet, ledgerUrl }));
    const created = await call(`${base}/v1/items`, 'POST', { name: 'nut', quantity: 1 });
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

  it('is not ready while its ledger is down', async () => {
    const base = await listen(buildCoreApi({ ...quiet, ledgerUrl: 'http://127.0.0.1:1' }));
    const ready = await call(`${base}/ready`);
    expect(ready.status).toBe(503);
    expect(ready.body.failing).toEqual(['ledger']);
  });
});
