import type { IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpProbeClient } from '../src/checks/live/http.js';
import { runSecurityProbeChecks } from '../src/checks/live/probe-security.js';
import { createServiceTarget } from '../src/checks/live/service-target.js';
import { runCheck } from './checks-harness.js';
import {
  type ApiKeyFiles,
  apiKeyFiles,
  type KitTarget,
  planService,
  requiredApiKeys,
  startKitService,
} from './security-targets.js';
import { createTestPki, type RunningServer, startHttpServer, tempFiles } from './tls-fixtures.js';

/** Every request a recording server saw: its path and the headers that carry credentials. */
const seen: Array<{ path: string; apiKey?: string; authorization?: string }> = [];
let recorder: RunningServer;
let keys: ApiKeyFiles;
let files: ReturnType<typeof tempFiles>;
let secured: KitTarget;

function credentialHeaders(headers: IncomingHttpHeaders) {
  return {
    ...(headers['x-api-key'] ? { apiKey: String(headers['x-api-key']) } : {}),
    ...(headers.authorization ? { authorization: headers.authorization } : {}),
  };
}

beforeAll(async () => {
  keys = apiKeyFiles();
  const pki = await createTestPki();
  const pair = await pki.issue();
  files = tempFiles({
    'ca.pem': pki.ca,
    'cert.pem': pair.cert,
    'key.pem': pair.key,
    'token.jwt': 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ0In0.c2ln\n',
  });
  recorder = await startHttpServer((req, res) => {
    seen.push({ path: req.url ?? '', ...credentialHeaders(req.headers) });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  secured = await startKitService({
    auth: requiredApiKeys(keys),
    tls: { certFile: `${files.dir}/cert.pem`, keyFile: `${files.dir}/key.pem` },
    rateLimit: {
      enabled: true,
      rules: [{ name: 'subject', by: ['route', 'subject'], points: 30, windowMs: 1_000 }],
    },
  });
});

afterAll(async () => {
  await Promise.all([recorder?.close(), secured?.stop()]);
  keys?.remove();
  files?.remove();
});

describe('the live client and the plan service credentials', () => {
  it('sends them to API paths and never to the probe endpoints', async () => {
    seen.length = 0;
    const service = planService(recorder.url, {
      credentials: { apiKeyFile: keys.keyFile, bearerTokenFile: `${files.dir}/token.jwt` },
    });
    await runCheck('probe.contract', { samples: 1 }, { service });
    await runCheck('api.versioned', { paths: ['/items'] }, { service });
    const probes = seen.filter((r) => ['/live', '/startup', '/ready', '/health'].includes(r.path));
    expect(probes.length).toBeGreaterThanOrEqual(4);
    for (const request of probes) expect(request).toEqual({ path: request.path });
    expect(seen.find((r) => r.path === '/v1/items')).toEqual({
      path: '/v1/items',
      apiKey: keys.key,
      authorization: 'Bearer eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ0In0.c2ln',
    });
    expect(seen.find((r) => r.path === '/items')?.apiKey).toBe(keys.key);
  });

  it('lets api.versioned and errors.problem-json pass a service with auth on', async () => {
    const service = planService(secured.url, {
      tls: { caFile: `${files.dir}/ca.pem` },
      credentials: { apiKeyFile: keys.keyFile },
    });
    const versioned = await runCheck('api.versioned', { paths: ['/items'] }, { service });
    expect(versioned.status, versioned.summary).toBe('pass');
    expect(versioned.measurements?.['/v1/items.status']).toBe(200);
    const errors = await runCheck('errors.problem-json', { postPath: '/v1/items' }, { service });
    expect(errors.status, errors.summary).toBe('pass');
    // With the key, the malformed body reaches the JSON parser instead of stopping at auth.
    expect(errors.measurements?.['malformed-json.status']).toBe(400);
  });
});

describe("bulwark probe's security checks", () => {
  it('runs tls, headers, errors, auth and ratelimit against a kit service with all of them on', async () => {
    const root = new HttpProbeClient({ timeoutMs: 5000 });
    try {
      const target = createServiceTarget(
        {
          name: 'probe-target',
          url: secured.url,
          tls: { caFile: `${files.dir}/ca.pem` },
          credentials: { apiKeyFile: keys.keyFile },
        },
        { client: root, baseDir: process.cwd(), signal: new AbortController().signal },
      );
      const results = await runSecurityProbeChecks(target, {
        auth: true,
        rateLimitPath: '/v1/items',
        progress: () => undefined,
      });
      expect(results.map((r) => [r.id, r.status, r.ok])).toEqual([
        ['tls', 'pass', true],
        ['headers', 'pass', true],
        ['errors', 'pass', true],
        ['auth', 'pass', true],
        ['ratelimit', 'pass', true],
      ]);
      expect(JSON.stringify(results)).not.toContain(keys.key);
    } finally {
      await root.close();
    }
  });

  it('leaves auth and ratelimit out unless asked, and tls out on plain http', async () => {
    const plain = await startKitService();
    const root = new HttpProbeClient({ timeoutMs: 5000 });
    try {
      const target = createServiceTarget(
        { name: 'probe-target', url: plain.url },
        { client: root, baseDir: process.cwd(), signal: new AbortController().signal },
      );
      const results = await runSecurityProbeChecks(target, {
        auth: false,
        progress: () => undefined,
      });
      expect(results.map((r) => [r.id, r.status])).toEqual([
        ['headers', 'pass'],
        ['errors', 'pass'],
      ]);
    } finally {
      await root.close();
      await plain.stop();
    }
  });
});
