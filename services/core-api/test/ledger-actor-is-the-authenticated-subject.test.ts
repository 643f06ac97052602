import { createService, type Service } from '@bulwark/kit';
import { SignJWT } from 'jose';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIENCE, authenticatedCoreApi, ISSUER } from './fixtures/authenticated-core-api.js';

let ledger: Service;
const entries: Array<{ kind: string; actor: string }> = [];
let api: Awaited<ReturnType<typeof authenticatedCoreApi>>;

beforeAll(async () => {
  // A stand-in for the ledger service: a kit service that keeps what it is sent.
  ledger = createService({
    name: 'ledger',
    version: '0.0.0',
    env: {},
    handleProcessSignals: false,
    http: { port: 0 },
    shutdown: { drainDelayMs: 0 },
    logging: { level: 'silent' },
  });
  ledger.app.post('/v1/ledger/entries', async (req, reply) => {
    entries.push(req.body as { kind: string; actor: string });
    return reply.code(201).send({ seq: entries.length });
  });
  await ledger.listen();
  api = await authenticatedCoreApi({ ledgerUrl: `http://127.0.0.1:${ledger.port}` });
});
afterAll(async () => {
  await api.close();
  await ledger.shutdown();
});

async function create(headers: Record<string, string>) {
  const response = await request(`${api.base}/v1/items`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: '{"name":"bolt","quantity":3}',
  });
  await response.body.dump();
  return response.statusCode;
}

describe('core-api with authentication', () => {
  it('records the authenticated subject, not anonymous, as the actor of each ledger entry', async () => {
    expect(await create({ 'x-api-key': api.credentials.apiKeys.full })).toBe(201);
    const token = await new SignJWT({ scope: 'items:write' })
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('agent-7')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(api.credentials.idp.privateKey);
    expect(await create({ authorization: `Bearer ${token}` })).toBe(201);
    expect(entries.map((e) => [e.kind, e.actor])).toEqual([
      ['item.create', 'operator'],
      ['item.create', 'agent-7'],
    ]);
  });

  it('records nothing for a request it refused', async () => {
    const before = entries.length;
    expect(await create({ 'x-api-key': api.credentials.apiKeys.readOnly })).toBe(403);
    expect(await create({})).toBe(401);
    expect(entries).toHaveLength(before);
  });
});
