import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type KeyProvider,
  keyringOf,
  MemoryAuditSink,
  openFileKeyProvider,
  type Signer,
  saveKeyring,
} from '@bulwark/keys';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceTokenIssuer } from '../src/auth/service-tokens/service-token-issuer.js';
import { ServiceTokenVerifier } from '../src/auth/service-tokens/service-token-verifier.js';
import type { Service } from '../src/index.js';
import { tempDir } from './auth-fixtures/api-key-files.js';
import { call, expectRefusal } from './auth-fixtures/auth-requests.js';
import { testService } from './helpers.js';

const work = tempDir('bulwark-auth-service-tokens-');
const keyringFile = join(work.dir, 'keyring.json');
const audit = new MemoryAuditSink();
let provider: KeyProvider;
let signer: Signer;
let unlisted: Signer;
let billing: Service;

beforeAll(async () => {
  provider = await openFileKeyProvider({ dir: join(work.dir, 'keys'), audit, env: {} });
  await provider.create('orders-tokens');
  signer = await provider.open('orders-tokens');
  await saveKeyring(keyringFile, await keyringOf(provider));
  // A key the verifier's keyring does not list.
  await provider.create('rogue-tokens');
  unlisted = await provider.open('rogue-tokens');

  ({ service: billing } = testService({
    name: 'billing',
    auth: {
      mode: 'required',
      serviceTokens: { keyringFile, issuers: ['orders'], maxTtlSec: 300, clockToleranceSec: 5 },
    },
  }));
  billing.app.get(
    '/ledger',
    { config: { auth: { scopes: ['ledger:write'] } } },
    async (request) => ({
      principal: request.principal,
    }),
  );
  billing.app.get('/whoami', async (request) => ({ principal: request.principal }));
  await billing.listen();
});
afterAll(async () => {
  await billing.shutdown();
  await provider.close();
  work.remove();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('service tokens signed through @bulwark/keys', () => {
  it('mint → verify: the calling service is the principal, signed by its provider', async () => {
    const issuer = new ServiceTokenIssuer({ issuer: 'orders', signer, ttlSec: 120 });
    const token = await issuer.token({
      audience: 'billing',
      subject: 'orders/settlement',
      scopes: ['ledger:write'],
    });
    const [header, payload] = token
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
    expect(header).toEqual({ alg: 'EdDSA', typ: 'JWT', kid: 'orders-tokens/v1' });
    expect(payload).toMatchObject({ iss: 'orders', sub: 'orders/settlement', aud: 'billing' });
    expect(payload.exp - payload.iat).toBe(120);
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);

    const answer = await call(billing, '/ledger', bearer(token));
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body.principal).toEqual({
      subject: 'orders/settlement',
      kind: 'service-token',
      scopes: ['ledger:write'],
    });
    expect(
      audit.records.some((r) => r.keyId === 'orders-tokens/v1' && r.purpose === 'service-token'),
    ).toBe(true);
  });

  it('one token per audience is reused until shortly before it expires', async () => {
    let clock = Date.now();
    const issuer = new ServiceTokenIssuer({
      issuer: 'orders',
      signer,
      ttlSec: 100,
      now: () => clock,
    });
    const first = await issuer.token('billing');
    const [again, concurrent] = await Promise.all([
      issuer.token('billing'),
      issuer.token('billing'),
    ]);
    expect(again).toBe(first);
    expect(concurrent).toBe(first);
    expect(await issuer.token('inventory')).not.toBe(first);
    clock += 79_000; // 21 s left: more than a fifth of the lifetime
    expect(await issuer.token('billing')).toBe(first);
    clock += 2_000; // 19 s left: renewed
    expect(await issuer.token('billing')).not.toBe(first);
  });

  const refusals: Array<[string, () => Promise<string>, RegExp]> = [
    [
      'expired',
      () =>
        new ServiceTokenIssuer({
          issuer: 'orders',
          signer,
          ttlSec: 60,
          now: () => Date.now() - 600_000,
        }).token('billing'),
      /expired/,
    ],
    [
      'for another audience',
      () => new ServiceTokenIssuer({ issuer: 'orders', signer }).token('inventory'),
      /another audience/,
    ],
    [
      'signed by a key the keyring does not list',
      () => new ServiceTokenIssuer({ issuer: 'orders', signer: unlisted }).token('billing'),
      /unknown key/,
    ],
    [
      'living longer than maxTtlSec',
      () => new ServiceTokenIssuer({ issuer: 'orders', signer, ttlSec: 600 }).token('billing'),
      /lives longer/,
    ],
    [
      'from an issuer not configured',
      () => new ServiceTokenIssuer({ issuer: 'stranger', signer }).token('billing'),
      /issuer/,
    ],
    [
      'claiming a listed kid but signed by another key',
      () =>
        new ServiceTokenIssuer({
          issuer: 'orders',
          signer: {
            keyId: 'orders-tokens/v1',
            sign: (data, purpose) => unlisted.sign(data, purpose),
          },
        }).token('billing'),
      /signature/,
    ],
  ];

  it.each(refusals)('a service token %s is a 401', async (_name, make, detail) => {
    const token = await make();
    const answer = await call(billing, '/whoami', bearer(token));
    expectRefusal(answer, { status: 401, code: 'BW_UNAUTHORIZED', detail }, [
      token,
      token.split('.')[2] as string,
    ]);
    expect(answer.body.detail).toMatch(/service token/);
  });

  it('a service token without the route scope is a 403', async () => {
    const token = await new ServiceTokenIssuer({ issuer: 'orders', signer }).token('billing');
    const answer = await call(billing, '/ledger', bearer(token));
    expectRefusal(answer, { status: 403, code: 'BW_FORBIDDEN', detail: /ledger:write/ });
  });

  it('the issuer refuses a lifetime past an hour', () => {
    expect(() => new ServiceTokenIssuer({ issuer: 'orders', signer, ttlSec: 7_200 })).toThrow(
      /1 to 3600 seconds/,
    );
  });
});

describe('a rotated signing key', () => {
  it('is picked up from the keyring when a token names its new kid', async () => {
    const verifier = new ServiceTokenVerifier(
      { keyringFile, issuers: ['orders'], maxTtlSec: 300, clockToleranceSec: 5 },
      { serviceName: 'billing', logger: pino({ level: 'silent' }), keyringReloadCooldownMs: 0 },
    );
    await verifier.load();
    const rotatedKeyring = join(work.dir, 'keyring.json');
    await provider.rotate('orders-tokens');
    const v2 = await provider.open('orders-tokens');
    expect(v2.keyId).toBe('orders-tokens/v2');
    await saveKeyring(rotatedKeyring, await keyringOf(provider));
    const token = await new ServiceTokenIssuer({ issuer: 'orders', signer: v2 }).token('billing');
    await expect(verifier.verify(token)).resolves.toMatchObject({
      subject: 'orders',
      kind: 'service-token',
    });
  });
});

describe('service tokens beside an identity provider', () => {
  it('routes a bearer token by its issuer: services to the keyring, the rest to the IdP key', async () => {
    const idp = await generateKeyPair('ES256');
    const pem = join(work.dir, 'idp.pem');
    writeFileSync(pem, await exportSPKI(idp.publicKey));
    const { service } = testService({
      name: 'billing',
      auth: {
        mode: 'required',
        jwt: {
          issuer: 'https://idp.test/',
          audience: 'billing',
          publicKeyFile: pem,
          algorithms: ['ES256'],
        },
        serviceTokens: { keyringFile, issuers: ['orders'] },
      },
    });
    service.app.get('/whoami', async (request) => ({ principal: request.principal }));
    await service.listen();
    try {
      const user = await new SignJWT({ sub: 'alice' })
        .setProtectedHeader({ alg: 'ES256' })
        .setIssuer('https://idp.test/')
        .setAudience('billing')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(idp.privateKey);
      const asUser = await call(service, '/whoami', bearer(user));
      expect(asUser.body.principal).toMatchObject({ subject: 'alice', kind: 'jwt' });
      const serviceToken = await new ServiceTokenIssuer({ issuer: 'orders', signer }).token(
        'billing',
      );
      const asService = await call(service, '/whoami', bearer(serviceToken));
      expect(asService.body.principal).toMatchObject({ subject: 'orders', kind: 'service-token' });
      // A user token dressed up with a service's issuer still needs the keyring's signature.
      const dressed = await new SignJWT({ sub: 'mallory' })
        .setProtectedHeader({ alg: 'ES256', kid: 'orders-tokens/v1' })
        .setIssuer('orders')
        .setAudience('billing')
        .setIssuedAt()
        .setJti('x')
        .setExpirationTime('1m')
        .sign(idp.privateKey);
      expectRefusal(await call(service, '/whoami', bearer(dressed)), {
        status: 401,
        code: 'BW_UNAUTHORIZED',
        detail: /service token uses a signing algorithm/,
      });
    } finally {
      await service.shutdown();
    }
  });
});
