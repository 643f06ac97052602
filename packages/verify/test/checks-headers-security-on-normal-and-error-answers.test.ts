import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from './checks-harness.js';
import {
  type BareTarget,
  type KitTarget,
  planService,
  startBareFastify,
  startKitService,
} from './security-targets.js';
import { createTestPki, tempFiles } from './tls-fixtures.js';

let kit: KitTarget;
let kitHttps: KitTarget;
let headerless: KitTarget;
let bare: BareTarget;
let files: ReturnType<typeof tempFiles>;

beforeAll(async () => {
  const pki = await createTestPki();
  const pair = await pki.issue();
  files = tempFiles({ 'ca.pem': pki.ca, 'cert.pem': pair.cert, 'key.pem': pair.key });
  [kit, kitHttps, headerless, bare] = await Promise.all([
    startKitService(),
    startKitService({
      tls: { certFile: `${files.dir}/cert.pem`, keyFile: `${files.dir}/key.pem` },
    }),
    startKitService({ securityHeaders: { enabled: false } }),
    startBareFastify((app) => {
      app.addHook('onSend', async (_request, reply) => {
        reply.header('x-powered-by', 'Express');
      });
    }),
  ]);
});

afterAll(async () => {
  await Promise.all([kit?.stop(), kitHttps?.stop(), headerless?.stop(), bare?.stop()]);
  files?.remove();
});

describe('headers.security', () => {
  it('passes a kit service over http, leaving HSTS to https', async () => {
    const outcome = await runCheck('headers.security', {}, { service: planService(kit.url) });
    expect(outcome.status, outcome.summary).toBe('pass');
    expect(outcome.summary).toBe(
      '/live and an error answer carry nosniff, CSP, a framing policy and Referrer-Policy, no X-Powered-By (plain http: HSTS not judged)',
    );
    expect(outcome.measurements).toMatchObject({
      https: false,
      'normal.status': 200,
      'error.status': 404,
    });
  });

  it('passes a kit service over https, HSTS included, trusting the plan CA', async () => {
    const service = planService(kitHttps.url, { tls: { caFile: `${files.dir}/ca.pem` } });
    const outcome = await runCheck('headers.security', {}, { service });
    expect(outcome.status, outcome.summary).toBe('pass');
    expect(outcome.summary).toMatch(/, and HSTS$/);
    const seen = JSON.parse(String(outcome.artifacts?.[0]?.content)) as Array<{
      headers: Record<string, string>;
    }>;
    for (const answer of seen) {
      expect(answer.headers['strict-transport-security']).toMatch(/max-age=31536000/);
    }
  });

  it('fails an https service whose HSTS max-age is shorter than asked', async () => {
    const service = planService(kitHttps.url, { tls: { caFile: `${files.dir}/ca.pem` } });
    const outcome = await runCheck('headers.security', { hstsMinAgeSec: 63_072_000 }, { service });
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toContain(
      'Strict-Transport-Security max-age 31536000 is under 63072000 s',
    );
  });

  it('fails a kit service with the headers turned off, on both answers', async () => {
    const outcome = await runCheck(
      'headers.security',
      {},
      { service: planService(headerless.url) },
    );
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(
      /^GET \/live \(200\): no X-Content-Type-Options, no Content-Security-Policy, no framing policy .*, no Referrer-Policy; GET \/bulwark-verify-no-such-path-\w+ \(404\): no X-Content-Type-Options/,
    );
  });

  it('fails a bare Fastify app that names its stack', async () => {
    const outcome = await runCheck('headers.security', {}, { service: planService(bare.url) });
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toContain('X-Powered-By "Express" names the stack');
  });

  it('fails a normal path that answers an error', async () => {
    const outcome = await runCheck(
      'headers.security',
      { path: '/no-such-thing' },
      { service: planService(kit.url) },
    );
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toBe(
      'GET /no-such-thing (404): answered 404, not a normal answer (choose a path that answers 2xx)',
    );
  });
});
