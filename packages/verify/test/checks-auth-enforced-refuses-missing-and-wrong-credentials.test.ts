import { writeFileSync } from 'node:fs';
import { freePort } from '@bulwark/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultRegistry } from '../src/checks/builtin.js';
import { runPlan } from '../src/checks/run-plan.js';
import { createSharedServices } from '../src/checks/shared.js';
import { loadPlan } from '../src/plan/load.js';
import { runCheck } from './checks-harness.js';
import {
  type ApiKeyFiles,
  apiKeyFiles,
  type BareTarget,
  type KitTarget,
  planService,
  requiredApiKeys,
  startBareFastify,
  startKitService,
} from './security-targets.js';

let keys: ApiKeyFiles;
let guarded: KitTarget;
let open: KitTarget;
let bare: BareTarget;

beforeAll(async () => {
  keys = apiKeyFiles();
  [guarded, open, bare] = await Promise.all([
    startKitService({ auth: requiredApiKeys(keys) }),
    startKitService(),
    startBareFastify(),
  ]);
});

afterAll(async () => {
  await Promise.all([guarded?.stop(), open?.stop(), bare?.stop()]);
  keys?.remove();
});

const withKey = () => planService(guarded.url, { credentials: { apiKeyFile: keys.keyFile } });

describe('auth.enforced', () => {
  it('passes a kit service with API keys required, and the plan key is served', async () => {
    const outcome = await runCheck('auth.enforced', {}, { service: withKey() });
    expect(outcome.status, outcome.summary).toBe('pass');
    expect(outcome.measurements).toMatchObject({
      method: 'GET',
      '/v1/items anonymous.status': 401,
      '/v1/items wrong-api-key.status': 401,
      '/v1/items forged-bearer.status': 401,
      '/v1/items alg-none-bearer.status': 401,
      '/v1/items authenticated.status': 200,
    });
    expect(outcome.measurements?.credentials).toBe(
      `api key from ${keys.keyFile} (header x-api-key)`,
    );
    expect(outcome.summary).toContain('200 with api key from');
    expect(outcome.targetVersion).toBe('1.2.3');
    const requests = JSON.parse(String(outcome.artifacts?.[0]?.content)) as Array<{
      sent: string;
      status: number;
      wwwAuthenticate: string | null;
      errorId: string | null;
    }>;
    expect(requests).toHaveLength(5);
    for (const refused of requests.slice(0, 4)) {
      expect(refused.status).toBe(401);
      expect(refused.wwwAuthenticate).not.toBeNull();
      expect(refused.errorId).toMatch(/\S/);
    }
  });

  it('never writes the key into the outcome, its artifacts or a signed run', async () => {
    const outcome = await runCheck('auth.enforced', {}, { service: withKey() });
    const everything = JSON.stringify({
      ...outcome,
      artifacts: outcome.artifacts?.map((a) => String(a.content)),
    });
    expect(everything).not.toContain(keys.key);

    const planFile = `${keys.dir}/bulwark.plan.yaml`;
    writeFileSync(
      planFile,
      [
        'format: bulwark.plan/v1',
        'name: auth',
        'environments:',
        '  local:',
        '    services:',
        `      - { name: api, url: "${guarded.url}", credentials: { apiKeyFile: verifier.key } }`,
        'criteria:',
        '  - { id: auth, text: 401 for a missing or invalid key, checks: [{ check: auth.enforced }] }',
      ].join('\n'),
    );
    const loaded = await loadPlan(planFile, defaultRegistry());
    const shared = createSharedServices({ timeoutMs: 5000, attestationsDir: keys.dir });
    try {
      const run = await runPlan({
        loaded,
        environment: 'local',
        registry: defaultRegistry(),
        shared,
        timeoutMs: 5000,
        toolVersion: 'test',
      });
      expect(run.bundle.criteria[0]?.verdict).toBe('pass');
      const artifacts = [...run.artifacts.values()].map((a) => Buffer.from(a).toString('utf8'));
      expect(JSON.stringify(run.bundle) + artifacts.join('')).not.toContain(keys.key);
    } finally {
      await shared.close();
    }
  });

  it('passes without plan credentials, saying authenticated access was not tried', async () => {
    const outcome = await runCheck('auth.enforced', {}, { service: planService(guarded.url) });
    expect(outcome.status, outcome.summary).toBe('pass');
    expect(outcome.summary).toMatch(
      /the plan gives no credentials, so authenticated access was not tried$/,
    );
    expect(outcome.measurements?.credentials).toBe('none in the plan');
  });

  it('fails when the plan key is refused: a service that refuses everyone does not pass', async () => {
    const service = planService(guarded.url, { credentials: { apiKeyFile: keys.unknownKeyFile } });
    const outcome = await runCheck('auth.enforced', {}, { service });
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toBe(
      "GET /v1/items with the plan credentials: 401, the plan's credentials are refused",
    );
  });

  it('fails a kit service with auth off, and a bare Fastify app, naming what they served', async () => {
    for (const url of [open.url, bare.url]) {
      const outcome = await runCheck('auth.enforced', {}, { service: planService(url) });
      expect(outcome.status).toBe('fail');
      expect(outcome.summary).toContain(
        'GET /v1/items with no credentials: answered 200: served without valid credentials',
      );
      expect(outcome.summary).toContain('with an unsigned alg=none JWT: answered 200');
    }
  });

  it('fails a 401 without a challenge or problem details', async () => {
    const plain = await startBareFastify((app) => {
      app.get('/v1/secret', async (_request, reply) => reply.code(401).send({ error: 'no' }));
    });
    try {
      const outcome = await runCheck(
        'auth.enforced',
        { paths: ['/v1/secret'] },
        { service: planService(plain.url) },
      );
      expect(outcome.status).toBe('fail');
      expect(outcome.summary).toMatch(
        /^GET \/v1\/secret with no credentials: Content-Type "application\/json; charset=utf-8" is not application\/problem\+json, .*no "errorId", no WWW-Authenticate header/,
      );
    } finally {
      await plain.stop();
    }
  });

  it('fails an unreachable service, and errors on a missing key file without reading it out', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const outcome = await runCheck('auth.enforced', {}, { service: planService(closed) });
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(/with no credentials: connection refused/);

    const missing = planService(guarded.url, { credentials: { apiKeyFile: 'no-such.key' } });
    await expect(
      runCheck('auth.enforced', {}, { service: missing, planDir: keys.dir }),
    ).rejects.toThrow('api key file no-such.key cannot be read (ENOENT)');
    // A file with more than one line is refused, and the message does not quote it.
    writeFileSync(`${keys.dir}/two-lines.key`, `${keys.key}\nsecond-line\n`);
    const twoLines = planService(guarded.url, { credentials: { apiKeyFile: 'two-lines.key' } });
    const refused = runCheck('auth.enforced', {}, { service: twoLines, planDir: keys.dir });
    await expect(refused).rejects.toThrow(
      'api key file two-lines.key must hold one line of printable ASCII (no line breaks or control characters)',
    );
    await expect(refused).rejects.not.toThrow(keys.key);
  });
});
