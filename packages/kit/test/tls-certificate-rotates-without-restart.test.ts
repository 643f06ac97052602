import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../src/index.js';
import type { captureLogs } from './helpers.js';
import { testService } from './helpers.js';
import {
  copyPair,
  devCertificates,
  eventually,
  fingerprintOf,
  httpsRequest,
  replaceAtomically,
  temporaryDir,
} from './tls-certificates.js';

const work = temporaryDir('bulwark-tls-rotation-');
const issuing = join(work.dir, 'issuing');
const served = join(work.dir, 'served');
let service: Service;
let logs: ReturnType<typeof captureLogs>;
let ca: string;
let url: string;
let live: { certFile: string; keyFile: string };

/** A fresh server pair from the same CA: the old leaf is deleted, so the generator remakes it. */
async function newPair(): Promise<{ cert: string; key: string }> {
  rmSync(join(issuing, 'server.pem'), { force: true });
  const made = await devCertificates(issuing);
  const [server] = made.services;
  if (!server) throw new Error('no server certificate');
  return { cert: readFileSync(server.certFile, 'utf8'), key: readFileSync(server.keyFile, 'utf8') };
}

const served256 = async () => (await httpsRequest(`${url}/live`, { ca })).peer.fingerprint256;
const warnings = () =>
  logs.records().filter((r) => r.level === 'warn' && String(r.msg).includes('cannot be loaded'));

beforeAll(async () => {
  mkdirSync(served);
  const made = await devCertificates(issuing);
  const [server] = made.services;
  if (!server) throw new Error('no server certificate');
  ca = readFileSync(made.ca.certFile, 'utf8');
  live = copyPair(server, served);
  ({ service, logs } = testService({
    tls: { ...live, reloadIntervalMs: 100, minVersion: 'TLSv1.3' },
  }));
  await service.listen();
  url = `https://localhost:${service.port}`;
});

afterAll(async () => {
  await service?.shutdown();
  work.remove();
});

describe('certificate rotation without a restart', () => {
  it('serves a replaced pair to new connections, with the configured settings intact', async () => {
    const before = await served256();
    expect(before).toBe(fingerprintOf(readFileSync(live.certFile)));

    const next = await newPair();
    // The order cert-manager's symlink swap makes atomic; two renames come close.
    replaceAtomically(live.keyFile, next.key);
    replaceAtomically(live.certFile, next.cert);

    expect(await eventually(async () => (await served256()) === fingerprintOf(next.cert))).toBe(
      true,
    );
    const reloaded = logs.records().find((r) => r.msg === 'TLS certificate reloaded');
    expect(reloaded).toMatchObject({ tls: { fingerprint256: fingerprintOf(next.cert) } });
    // The reload passed every setting again: TLS 1.3 is still the floor.
    await expect(httpsRequest(`${url}/live`, { ca, maxVersion: 'TLSv1.2' })).rejects.toThrow();
    expect(service.scheme).toBe('https');
  });

  it('keeps serving the current pair while the new certificate is half-written', async () => {
    const current = await served256();
    const next = await newPair();
    const warned = warnings().length;
    // A copy in progress: the certificate file holds half of its PEM.
    writeFileSync(live.certFile, next.cert.slice(0, Math.floor(next.cert.length / 2)));
    replaceAtomically(live.keyFile, next.key);

    expect(await eventually(() => warnings().length > warned)).toBe(true);
    expect(warnings().at(-1)?.reason).toMatch(/is not a PEM certificate/);
    expect(await served256()).toBe(current);
    // Retried on every tick: once the file is complete, it is served.
    writeFileSync(live.certFile, next.cert);
    expect(await eventually(async () => (await served256()) === fingerprintOf(next.cert))).toBe(
      true,
    );
  });

  it('keeps serving the current pair when the new key belongs to another certificate', async () => {
    const current = await served256();
    const next = await newPair();
    const warned = warnings().length;
    replaceAtomically(live.certFile, next.cert);

    expect(await eventually(() => warnings().length > warned)).toBe(true);
    expect(warnings().at(-1)?.reason).toMatch(/is not the key of the certificate/);
    expect(await served256()).toBe(current);

    replaceAtomically(live.keyFile, next.key);
    expect(await eventually(async () => (await served256()) === fingerprintOf(next.cert))).toBe(
      true,
    );
  });

  it('logs what it serves (subject, expiry) and never key material', () => {
    const loaded = logs.records().find((r) => r.msg === 'TLS certificate loaded');
    expect(loaded).toMatchObject({
      tls_cert_file: live.certFile,
      tls_min_version: 'TLSv1.3',
      tls: { subject: 'CN=server', validTo: expect.any(String) },
    });
    const key = readFileSync(live.keyFile, 'utf8').split('\n')[1] ?? 'unreachable';
    for (const line of logs.lines) {
      expect(line).not.toContain('PRIVATE KEY');
      expect(line).not.toContain(key.slice(0, 40));
    }
  });
});
