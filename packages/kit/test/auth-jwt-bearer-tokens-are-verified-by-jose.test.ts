import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type CryptoKey,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service, ServiceOptions } from '../src/index.js';
import { tempDir } from './auth-fixtures/api-key-files.js';
import { authFailures, call, expectRefusal } from './auth-fixtures/auth-requests.js';
import { JwksServer } from './auth-fixtures/jwks-server.js';
import { testService } from './helpers.js';

const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'orders-api';
const work = tempDir('bulwark-auth-jwt-');

let jwks: JwksServer;
let rsa: { publicKey: CryptoKey; privateKey: CryptoKey };
let es: { publicKey: CryptoKey; privateKey: CryptoKey };
let impostor: { publicKey: CryptoKey; privateKey: CryptoKey };
let rsaPem: string;
const services: Service[] = [];

async function publicJwk(key: CryptoKey, kid: string, alg: string): Promise<JWK> {
  return { ...(await exportJWK(key)), kid, alg, use: 'sig' };
}

beforeAll(async () => {
  rsa = await generateKeyPair('RS256', { extractable: true });
  es = await generateKeyPair('ES256', { extractable: true });
  impostor = await generateKeyPair('RS256', { extractable: true });
  rsaPem = await exportSPKI(rsa.publicKey);
  jwks = await JwksServer.start();
  jwks.keys = [
    await publicJwk(rsa.publicKey, 'rsa-1', 'RS256'),
    await publicJwk(es.publicKey, 'es-1', 'ES256'),
  ];
});
afterAll(async () => {
  await Promise.all(services.map((s) => s.shutdown()));
  await jwks.close();
  work.remove();
});

const now = () => Math.floor(Date.now() / 1000);

/** A token from the identity provider; `claims` override the defaults, undefined removes one. */
async function token(
  claims: JWTPayload = {},
  options: { alg?: string; kid?: string; key?: CryptoKey | Uint8Array } = {},
): Promise<string> {
  const payload: JWTPayload = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'user-42',
    iat: now(),
    exp: now() + 300,
    scope: 'orders:read orders:write',
    org: 'acme',
    jti: crypto.randomUUID(),
    ...claims,
  };
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete payload[name];
  const alg = options.alg ?? 'RS256';
  return new SignJWT(payload)
    .setProtectedHeader({
      alg,
      typ: 'JWT',
      kid: options.kid ?? (alg === 'ES256' ? 'es-1' : 'rsa-1'),
    })
    .sign(options.key ?? (alg === 'ES256' ? es.privateKey : rsa.privateKey));
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

async function serviceWith(jwt: Record<string, unknown>, extra: Partial<ServiceOptions> = {}) {
  const { service } = testService({
    ...extra,
    auth: { mode: 'required', jwt: { issuer: ISSUER, audience: AUDIENCE, ...jwt } as never },
  });
  service.app.get(
    '/orders',
    { config: { auth: { scopes: ['orders:read'] } } },
    async (request) => ({
      principal: request.principal,
    }),
  );
  service.app.get('/admin', { config: { auth: { scopes: ['orders:admin'] } } }, async () => ({}));
  await service.listen();
  services.push(service);
  return service;
}

const bearer = (text: string) => ({ authorization: `Bearer ${text}` });

describe('bearer JWTs against a JWKS', () => {
  let service: Service;
  beforeAll(async () => {
    service = await serviceWith({
      jwksUrl: jwks.url,
      clockToleranceSec: 5,
      maxTokenAgeSec: 3_600,
    });
  });

  it('a valid token names its subject, scopes and org', async () => {
    for (const alg of ['RS256', 'ES256']) {
      const answer = await call(service, '/orders', bearer(await token({}, { alg })));
      expect(answer.status, answer.text).toBe(200);
      expect(answer.body.principal).toEqual({
        subject: 'user-42',
        kind: 'jwt',
        scopes: ['orders:read', 'orders:write'],
        org: 'acme',
      });
    }
    const arrayScopes = await call(
      service,
      '/orders',
      bearer(await token({ scope: ['orders:read'] })),
    );
    expect(arrayScopes.status).toBe(200);
    expect((arrayScopes.body.principal as { scopes: string[] }).scopes).toEqual(['orders:read']);
  });

  it('no token is a 401 with a Bearer challenge', async () => {
    const answer = await call(service, '/orders');
    expectRefusal(answer, { status: 401, code: 'BW_UNAUTHORIZED', detail: /Bearer/ });
    expect(answer.headers['www-authenticate']).toBe('Bearer realm="kit-test"');
  });

  const cases: Array<[string, () => Promise<string>, RegExp]> = [
    ['empty', async () => '', /malformed/],
    ['not a JWT', async () => 'definitely-not.a-jwt', /malformed/],
    [
      'expired beyond the clock tolerance',
      () => token({ iat: now() - 120, exp: now() - 60 }),
      /has expired/,
    ],
    ['not yet valid (nbf)', () => token({ nbf: now() + 300 }), /not valid yet/],
    [
      'issued in the future (iat)',
      () => token({ iat: now() + 300, exp: now() + 600 }),
      /not valid yet/,
    ],
    [
      'older than maxTokenAge',
      () => token({ iat: now() - 7_200, exp: now() + 300 }),
      /issued longer ago/,
    ],
    ['for another audience', () => token({ aud: 'billing-api' }), /another audience/],
    ['from another issuer', () => token({ iss: 'https://evil.example.test/' }), /issuer/],
    ['without a subject', () => token({ sub: undefined }), /lacks a required claim/],
    ['without an expiry', () => token({ exp: undefined }), /lacks a required claim/],
    ['with a scope claim of the wrong type', () => token({ scope: 42 }), /invalid value/],
    [
      'signed by another key under a known kid',
      () => token({}, { key: impostor.privateKey }),
      /signature/,
    ],
    [
      'signed by a key the issuer does not publish',
      () => token({}, { kid: 'rsa-9', key: impostor.privateKey }),
      /unknown key/,
    ],
    [
      'alg=none',
      async () =>
        `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ iss: ISSUER, aud: AUDIENCE, sub: 'root', exp: now() + 60 })}.`,
      /algorithm/,
    ],
    [
      'HS256 with the RSA public key as the secret',
      () => token({}, { alg: 'HS256', key: new TextEncoder().encode(rsaPem) }),
      /algorithm/,
    ],
    [
      'a tampered payload',
      async () => {
        const [header, , signature] = (await token()).split('.');
        return `${header}.${base64url({ iss: ISSUER, aud: AUDIENCE, sub: 'admin', exp: now() + 60 })}.${signature}`;
      },
      /signature/,
    ],
  ];

  it.each(cases)('a token %s is a 401 that never echoes it', async (_name, make, detail) => {
    const text = await make();
    const answer = await call(service, '/orders', bearer(text));
    expectRefusal(
      answer,
      { status: 401, code: 'BW_UNAUTHORIZED', detail },
      text ? [text, text.split('.')[1] ?? text] : [],
    );
    expect(answer.headers['www-authenticate']).toBe(
      'Bearer realm="kit-test", error="invalid_token"',
    );
  });

  it('a token without the scope a route needs is a 403', async () => {
    const answer = await call(service, '/admin', bearer(await token()));
    expectRefusal(answer, { status: 403, code: 'BW_FORBIDDEN', detail: /orders:admin/ });
  });

  it('failures are counted by reason', async () => {
    const failures = await authFailures(service);
    for (const reason of [
      'malformed',
      'expired',
      'not_yet_valid',
      'too_old',
      'wrong_audience',
      'wrong_issuer',
      'missing_claim',
      'bad_signature',
      'unknown_key',
      'algorithm_not_allowed',
    ]) {
      expect(failures[reason], reason).toBeGreaterThan(0);
    }
  });
});

describe('JWKS caching', () => {
  it('fetches the key set once for many tokens, and again after jwksCacheMaxAgeMs', async () => {
    const counting = await JwksServer.start();
    counting.keys = jwks.keys;
    try {
      const service = await serviceWith({ jwksUrl: counting.url, jwksCacheMaxAgeMs: 1_000 });
      // Distinct tokens, so every request checks a signature (none is served from the
      // verified-token cache).
      const answers = await Promise.all(
        Array.from(
          { length: 20 },
          async () => (await call(service, '/orders', bearer(await token()))).status,
        ),
      );
      expect(answers).toEqual(Array(20).fill(200));
      expect(counting.fetches).toBe(1);
      await sleep(1_200);
      expect((await call(service, '/orders', bearer(await token()))).status).toBe(200);
      expect(counting.fetches).toBe(2);
    } finally {
      await counting.close();
    }
  });

  it('an identity provider that is down is a 503, not a 401', async () => {
    const down = await JwksServer.start();
    down.failing = true;
    try {
      const service = await serviceWith({ jwksUrl: down.url });
      const answer = await call(service, '/orders', bearer(await token()));
      // A 5xx detail is the kit's generic text; the code says what happened.
      expectRefusal(answer, { status: 503, code: 'BW_DEPENDENCY_UNAVAILABLE' });
      expect((await authFailures(service)).keys_unavailable).toBe(1);
    } finally {
      await down.close();
    }
  });
});

describe('bearer JWTs against one public key file', () => {
  it('verifies RS256 tokens and refuses an HS256 token keyed with that public key', async () => {
    const pemFile = join(work.dir, 'idp.pem');
    writeFileSync(pemFile, rsaPem);
    const service = await serviceWith({ publicKeyFile: pemFile, algorithms: ['RS256', 'PS256'] });
    expect((await call(service, '/orders', bearer(await token()))).status).toBe(200);
    const confused = await token({}, { alg: 'HS256', key: new TextEncoder().encode(rsaPem) });
    const answer = await call(service, '/orders', bearer(confused));
    expectRefusal(answer, { status: 401, code: 'BW_UNAUTHORIZED', detail: /algorithm/ }, [
      confused,
    ]);
    const es256 = await call(service, '/orders', bearer(await token({}, { alg: 'ES256' })));
    expectRefusal(es256, { status: 401, code: 'BW_UNAUTHORIZED', detail: /algorithm/ });
  });

  it('a file that holds no usable public key fails the start naming the file', async () => {
    const notAKey = join(work.dir, 'not-a-key.pem');
    writeFileSync(notAKey, 'hello');
    const { service } = testService({
      auth: {
        mode: 'required',
        jwt: { issuer: ISSUER, audience: AUDIENCE, publicKeyFile: notAKey },
      },
    });
    services.push(service);
    await expect(service.listen()).rejects.toThrow(
      `auth.jwt.publicKeyFile ${notAKey} is not a PEM public key`,
    );
  });
});

describe('bearer JWTs with an HS shared secret', () => {
  it('verifies HS256 tokens signed with the secret and refuses every asymmetric one', async () => {
    const secretsDir = join(work.dir, 'secrets');
    const secret = 'a-shared-secret-of-more-than-thirty-two-bytes!';
    mkdirSync(secretsDir, { recursive: true });
    writeFileSync(join(secretsDir, 'jwt-hs'), secret);
    const service = await serviceWith(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a secret reference, not a template
      { algorithms: ['HS256'], secret: '${secret:jwt-hs}' },
      { secrets: { dir: secretsDir } },
    );
    const good = await token({}, { alg: 'HS256', key: new TextEncoder().encode(secret) });
    expect((await call(service, '/orders', bearer(good))).status).toBe(200);
    const rs = await call(service, '/orders', bearer(await token()));
    expectRefusal(rs, { status: 401, code: 'BW_UNAUTHORIZED', detail: /algorithm/ });
    const wrongSecret = await token(
      {},
      { alg: 'HS256', key: new TextEncoder().encode(`${secret}x`) },
    );
    const answer = await call(service, '/orders', bearer(wrongSecret));
    expectRefusal(answer, { status: 401, code: 'BW_UNAUTHORIZED', detail: /signature/ }, [secret]);
  });
});
