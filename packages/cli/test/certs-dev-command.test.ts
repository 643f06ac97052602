import 'reflect-metadata';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type TLSSocket } from 'node:tls';
import * as x509 from '@peculiar/x509';
import { afterAll, describe, expect, it } from 'vitest';
import { type DevCertificates, ensureDevCertificates } from '../src/certs/dev-certificates.js';
import { runCli as bulwark, expectOneLineFailure } from './run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'bulwark-cli-certs-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const DAY_MS = 86_400_000;
const days = (from: Date, to: string | Date) =>
  Math.round((new Date(to).getTime() - from.getTime()) / DAY_MS);

async function devJson(args: string[]): Promise<DevCertificates> {
  const run = await bulwark(['certs', 'dev', ...args, '--format', 'json']);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as DevCertificates;
}

describe('bulwark certs dev', () => {
  const dir = join(work, 'tls');
  let first: DevCertificates;

  it('makes a CA, a server certificate per service and mTLS client certificates', async () => {
    const now = new Date();
    first = await devJson([
      '--dir',
      dir,
      '--service',
      'core-api',
      '--service',
      'ledger',
      '--client',
      'billing',
    ]);
    expect(first.services.map((s) => s.name)).toEqual(['core-api', 'ledger']);
    for (const made of [first.ca, ...first.services, ...first.clients]) {
      expect(made.action).toBe('created');
      expect(statSync(made.keyFile).mode & 0o777).toBe(0o600);
      expect(readFileSync(made.keyFile, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    }
    expect(first.ca.certFile).toBe(join(dir, 'ca.pem'));
    expect(first.ca.keyFile).toBe(join(dir, 'ca-key.pem'));
    expect(first.services[0]?.keyFile).toBe(join(dir, 'core-api-key.pem'));

    const ca = new x509.X509Certificate(readFileSync(first.ca.certFile, 'utf8'));
    expect(ca.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(true);
    expect(ca.getExtension(x509.KeyUsagesExtension)?.usages).toBe(
      x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
    );
    expect(ca.publicKey.algorithm).toMatchObject({ name: 'ECDSA', namedCurve: 'P-256' });
    expect(days(now, ca.notAfter)).toBe(365);

    const caNode = new X509Certificate(readFileSync(first.ca.certFile));
    const server = new X509Certificate(readFileSync(join(dir, 'core-api.pem')));
    expect(server.verify(caNode.publicKey)).toBe(true);
    expect(server.subjectAltName).toBe(
      'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
    );
    expect(server.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(days(now, server.validTo)).toBe(90);

    const client = new X509Certificate(readFileSync(join(dir, 'billing.pem')));
    expect(client.verify(caNode.publicKey)).toBe(true);
    expect(client.subject).toBe('CN=billing');
    expect(client.subjectAltName).toBe('URI:spiffe://bulwark.local/billing');
    expect(client.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
  });

  it('keeps valid certificates on the next run, and renews only what changed', async () => {
    const again = await devJson([
      '--dir',
      dir,
      '--service',
      'core-api,ledger',
      '--client',
      'billing',
    ]);
    for (const made of [again.ca, ...again.services, ...again.clients]) {
      expect(made.action).toBe('kept');
    }
    expect(again.ca.fingerprint256).toBe(first.ca.fingerprint256);

    const otherHosts = await devJson([
      '--dir',
      dir,
      '--hosts',
      'api.internal,10.0.0.7',
      '--service',
      'core-api',
      '--client',
      'billing',
    ]);
    expect(otherHosts.ca.action).toBe('kept');
    expect(otherHosts.services[0]).toMatchObject({
      action: 'renewed',
      reason: 'its names differ from those asked for',
    });
    expect(otherHosts.clients[0]?.action).toBe('kept');
    const server = new X509Certificate(readFileSync(join(dir, 'core-api.pem')));
    expect(server.subjectAltName).toBe('DNS:api.internal, IP Address:10.0.0.7');
  });

  it('renews a certificate within 14 days of expiry, and everything with --force', async () => {
    const inAWhile = new Date(Date.now() + 80 * DAY_MS);
    const later = await ensureDevCertificates({
      dir,
      services: ['ledger'],
      clients: ['billing'],
      now: inAWhile,
    });
    expect(later.ca.action).toBe('kept');
    expect(later.services[0]?.action).toBe('renewed');
    expect(later.services[0]?.reason).toMatch(/^expires /);

    const forced = await devJson(['--dir', dir, '--service', 'ledger', '--force']);
    expect(forced.ca.action).toBe('renewed');
    expect(forced.ca.fingerprint256).not.toBe(first.ca.fingerprint256);
    expect(forced.services[0]).toMatchObject({ action: 'renewed', reason: 'forced' });
  });

  it('remakes every certificate the old CA signed when the CA is remade', async () => {
    const fresh = join(work, 'ca-lost');
    await ensureDevCertificates({ dir: fresh, clients: ['billing'] });
    rmSync(join(fresh, 'ca-key.pem'));
    const remade = await ensureDevCertificates({ dir: fresh, clients: ['billing'] });
    expect(remade.ca.action).toBe('created');
    expect(remade.services[0]).toMatchObject({ action: 'renewed', reason: 'the CA was remade' });
    expect(remade.clients[0]).toMatchObject({ action: 'renewed', reason: 'the CA was remade' });
  });

  it('remakes a corrupt pair and tightens a loosened key file it keeps', async () => {
    const fresh = join(work, 'repair');
    const made = await ensureDevCertificates({ dir: fresh });
    writeFileSync(join(fresh, 'server.pem'), 'not a certificate');
    chmodSync(made.ca.keyFile, 0o644);
    const repaired = await ensureDevCertificates({ dir: fresh });
    expect(repaired.ca.action).toBe('kept');
    expect(statSync(made.ca.keyFile).mode & 0o777).toBe(0o600);
    expect(repaired.services[0]).toMatchObject({
      action: 'renewed',
      reason: 'not a PEM certificate and key',
    });
  });

  it('makes certificates a TLS server and an mTLS client accept', async () => {
    const made = await ensureDevCertificates({
      dir: join(work, 'handshake'),
      clients: ['billing'],
    });
    const read = (path: string) => readFileSync(path);
    const [server] = made.services;
    const [client] = made.clients;
    if (!server || !client) throw new Error('certificates missing');
    const tlsServer = createServer(
      {
        cert: read(server.certFile),
        key: read(server.keyFile),
        ca: read(made.ca.certFile),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (socket) => socket.end(`${socket.authorized}`),
    );
    tlsServer.listen(0, '127.0.0.1');
    await once(tlsServer, 'listening');
    const socket: TLSSocket = connect({
      port: (tlsServer.address() as AddressInfo).port,
      host: '127.0.0.1',
      servername: 'localhost',
      ca: read(made.ca.certFile),
      cert: read(client.certFile),
      key: read(client.keyFile),
    });
    const [data] = (await once(socket, 'data')) as [Buffer];
    expect(socket.authorized).toBe(true);
    expect(data.toString()).toBe('true');
    socket.destroy();
    tlsServer.close();
  });

  it('prints a table by default', async () => {
    const run = await bulwark(['certs', 'dev', '--dir', join(work, 'table')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^NAME\s+KIND\s+ACTION\s+EXPIRES/);
    expect(run.stdout).toMatch(/\nca\s+ca\s+created/);
    expect(run.stdout).toMatch(/\nserver\s+server\s+created/);
    expect(run.stderr).toContain('ca.pem');
  });

  it.each([
    [['--hosts', 'bad host!'], /--hosts "bad host!" is neither a DNS name nor an IP address/],
    [['--hosts', ''], /--hosts needs at least one name or address/],
    [['--service', '../etc'], /--service "..\/etc" is not a usable name/],
    [['--service', 'ca'], /--service "ca" is not a usable name/],
    [['--service', 'api', '--client', 'api'], /"api" is both a service and a client/],
  ])('refuses %j with exit 2 and one line', async (args, message) => {
    const bad = join(work, 'bad');
    expectOneLineFailure(await bulwark(['certs', 'dev', '--dir', bad, ...args]), message);
    expect(() => statSync(join(bad, 'ca.pem'))).toThrow();
  });

  it('refuses an unknown --format with exit 2', async () => {
    const run = await bulwark(['certs', 'dev', '--dir', join(work, 'bad'), '--format', 'xml']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/argument 'xml' is invalid/);
  });

  it('documents itself with --help', async () => {
    const run = await bulwark(['certs', 'dev', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--service <name>');
    expect(run.stdout).toContain('ca-key.pem');
  });
});
