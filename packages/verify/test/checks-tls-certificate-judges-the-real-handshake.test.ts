import { freePort } from '@bulwark/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from './checks-harness.js';
import { type KitTarget, planService, startKitService } from './security-targets.js';
import {
  createTestPki,
  type RunningServer,
  startHttpsServer,
  type TestPki,
  tempFiles,
} from './tls-fixtures.js';

const DAY_MS = 86_400_000;
const ok = (_request: unknown, response: { end(text: string): void }) => response.end('ok');

let pki: TestPki;
let files: ReturnType<typeof tempFiles>;
let kit: KitTarget;
const servers: Record<string, RunningServer> = {};

beforeAll(async () => {
  pki = await createTestPki();
  const [good, selfSigned, expired, wrongName, expiring] = await Promise.all([
    pki.issue(),
    pki.selfSigned(),
    pki.issue({
      notBefore: new Date(Date.now() - 30 * DAY_MS),
      notAfter: new Date(Date.now() - 2 * DAY_MS),
    }),
    pki.issue({ names: ['other.example'] }),
    pki.issue({ notAfter: new Date(Date.now() + 5 * DAY_MS + 3_600_000) }),
  ]);
  files = tempFiles({ 'ca.pem': pki.ca, 'cert.pem': good.cert, 'key.pem': good.key });
  kit = await startKitService({
    tls: { certFile: `${files.dir}/cert.pem`, keyFile: `${files.dir}/key.pem` },
  });
  const started = await Promise.all([
    startHttpsServer(selfSigned, ok),
    startHttpsServer(expired, ok),
    startHttpsServer(wrongName, ok),
    startHttpsServer(expiring, ok),
    // What the kit refuses to be: a server that still speaks TLS 1.0 and 1.1.
    startHttpsServer(good, ok, { minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' }),
  ]);
  [servers.selfSigned, servers.expired, servers.wrongName, servers.expiring, servers.legacy] =
    started;
});

afterAll(async () => {
  await Promise.all([kit?.stop(), ...Object.values(servers).map((s) => s.close())]);
  files?.remove();
});

const trusted = (url: string) => planService(url, { tls: { caFile: `${files.dir}/ca.pem` } });

describe('tls.certificate', () => {
  it('passes the kit over https: TLS 1.3, a trusted certificate naming the host, TLS 1.1 refused', async () => {
    const outcome = await runCheck('tls.certificate', {}, { service: trusted(kit.url) });
    expect(outcome.status, outcome.summary).toBe('pass');
    expect(outcome.measurements).toMatchObject({
      protocol: 'TLSv1.3',
      trust: `CA ${files.dir}/ca.pem`,
      name: '127.0.0.1',
      subject: 'CN=localhost',
      issuer: 'CN=Bulwark verify test CA',
      legacy: 'refused (ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION)',
    });
    expect(outcome.measurements?.daysLeft).toBeGreaterThanOrEqual(18);
    expect(outcome.measurements?.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(outcome.measurements?.cipher).toMatch(/^TLS_/);
    expect(outcome.summary).toMatch(
      /^TLSv1\.3 \(TLS_\w+\); certificate for 127\.0\.0\.1 by CN=Bulwark verify test CA, valid \d+ more days, trusted against CA .*ca\.pem; TLS 1\.0\/1\.1 refused$/,
    );
    expect(String(outcome.artifacts?.[0]?.content)).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
  });

  it('fails the same certificate without the plan CA: the system roots do not know it', async () => {
    const outcome = await runCheck('tls.certificate', {}, { service: planService(kit.url) });
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toBe(
      'certificate not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE) against system roots',
    );
  });

  it('fails a self-signed certificate', async () => {
    const outcome = await runCheck(
      'tls.certificate',
      {},
      { service: trusted(servers.selfSigned?.url ?? '') },
    );
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toContain('certificate not trusted (DEPTH_ZERO_SELF_SIGNED_CERT)');
    expect(outcome.measurements?.issuer).toBe('CN=localhost');
  });

  it('fails an expired certificate, saying when it expired', async () => {
    const outcome = await runCheck(
      'tls.certificate',
      {},
      { service: trusted(servers.expired?.url ?? '') },
    );
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(
      /^certificate not trusted \(CERT_HAS_EXPIRED\) against CA .*; certificate expired [23] days ago \(\d{4}-\d\d-\d\dT/,
    );
  });

  it('fails a certificate for another name', async () => {
    const outcome = await runCheck(
      'tls.certificate',
      {},
      { service: trusted(servers.wrongName?.url ?? '') },
    );
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(/^certificate does not name 127\.0\.0\.1 \(/);
  });

  it('fails a certificate with fewer days left than minDaysLeft, and passes a smaller minimum', async () => {
    const service = trusted(servers.expiring?.url ?? '');
    const outcome = await runCheck('tls.certificate', {}, { service });
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(
      /^certificate expires in 5 days \(.*\), under the 14-day minimum$/,
    );
    const relaxed = await runCheck('tls.certificate', { minDaysLeft: 3 }, { service });
    expect(relaxed.status, relaxed.summary).toBe('pass');
  });

  it('fails a server that still accepts TLS 1.1', async () => {
    const outcome = await runCheck(
      'tls.certificate',
      {},
      { service: trusted(servers.legacy?.url ?? '') },
    );
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toBe('a client offering only TLS 1.0/1.1 is served TLSv1.1');
    expect(outcome.measurements?.legacy).toBe('accepted TLSv1.1');
  });

  it('checks the configured server name instead of the URL host', async () => {
    const service = planService(servers.wrongName?.url ?? '', {
      tls: { caFile: `${files.dir}/ca.pem`, serverName: 'other.example' },
    });
    const outcome = await runCheck('tls.certificate', {}, { service });
    expect(outcome.status, outcome.summary).toBe('pass');
    expect(outcome.measurements?.name).toBe('other.example');
  });

  it('skips a plain-http service with its reason, and fails a closed https port', async () => {
    const plain = await runCheck(
      'tls.certificate',
      {},
      { service: planService('http://127.0.0.1:8080') },
    );
    expect(plain).toMatchObject({
      status: 'skip',
      reason: 'svc is served over plain http (http://127.0.0.1:8080): no TLS to check',
    });
    const closed = `https://127.0.0.1:${await freePort()}`;
    const outcome = await runCheck('tls.certificate', {}, { service: trusted(closed) });
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(/^TLS handshake failed: ECONNREFUSED/);
  });
});
