import { once } from 'node:events';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { connect, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../src/index.js';
import { testService } from './helpers.js';
import {
  devCertificates,
  eventually,
  httpsRequest,
  replaceAtomically,
  temporaryDir,
} from './tls-certificates.js';

const work = temporaryDir('bulwark-tls-versions-');
let ca: string;
let server: { certFile: string; keyFile: string; caFile: string };
let client: { cert: string; key: string };
let stranger: { cert: string; key: string };
const services: Service[] = [];

// TLS 1.1 needs OpenSSL's security level 0 on the client: at the default level the client
// would refuse to offer it, and the test would prove nothing about the server.
const TLS_1_1 = {
  minVersion: 'TLSv1',
  maxVersion: 'TLSv1.1',
  ciphers: 'DEFAULT@SECLEVEL=0',
} as const;

/**
 * The server ended the handshake: with TLS 1.3 the client has sent its Finished before the
 * server judges its certificate, so it sees either the server's alert or, when the reset wins
 * the race, a reset connection. Never an HTTP answer.
 */
async function expectRefusedHandshake(answer: Promise<unknown>): Promise<void> {
  const error = (await answer.then(
    () => new Error('the request was answered'),
    (e: unknown) => e,
  )) as NodeJS.ErrnoException;
  expect(error.code).toMatch(
    /^(ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED|ERR_SSL_TLSV1_ALERT_UNKNOWN_CA|ECONNRESET|EPIPE)$/,
  );
}

async function startService(tls: Record<string, unknown>): Promise<string> {
  const { service } = testService({ tls: { ...server, ...tls } });
  // What the authentication layer will read: whether the client certificate verified.
  service.app.get('/whoami', async (request) => {
    const socket = request.raw.socket as TLSSocket;
    const peer = socket.getPeerCertificate();
    return { authorized: socket.authorized, subject: peer?.subject?.CN ?? null };
  });
  services.push(service);
  await service.listen();
  return `https://localhost:${service.port}`;
}

beforeAll(async () => {
  const made = await devCertificates(join(work.dir, 'ours'), { clients: ['billing'] });
  const other = await devCertificates(join(work.dir, 'theirs'), { clients: ['billing'] });
  const [serverCert] = made.services;
  const [clientCert] = made.clients;
  const [strangerCert] = other.clients;
  if (!serverCert || !clientCert || !strangerCert) throw new Error('certificates missing');
  ca = readFileSync(made.ca.certFile, 'utf8');
  server = { certFile: serverCert.certFile, keyFile: serverCert.keyFile, caFile: made.ca.certFile };
  const read = (c: { certFile: string; keyFile: string }) => ({
    cert: readFileSync(c.certFile, 'utf8'),
    key: readFileSync(c.keyFile, 'utf8'),
  });
  client = read(clientCert);
  // Same name, same shape, signed by a CA the service does not trust.
  stranger = read(strangerCert);
});

afterAll(async () => {
  await Promise.all(services.map((s) => s.shutdown()));
  work.remove();
});

describe('TLS versions', () => {
  it('refuses TLS 1.1 and accepts TLS 1.2 by default', async () => {
    const url = await startService({});
    await expect(httpsRequest(`${url}/live`, { ca, ...TLS_1_1 })).rejects.toThrow(
      /alert protocol version/,
    );
    const answer = await httpsRequest(`${url}/live`, { ca, maxVersion: 'TLSv1.2' });
    expect(answer.status).toBe(200);
    expect(answer.protocol).toBe('TLSv1.2');
  });

  it('the same TLS 1.1 client is served by a server that allows it (the refusal is the kit)', async () => {
    const pair = { cert: readFileSync(server.certFile), key: readFileSync(server.keyFile) };
    const legacy = createTlsServer({ ...pair, ...TLS_1_1 }, (socket) => socket.end('ok'));
    legacy.listen(0, '127.0.0.1');
    await once(legacy, 'listening');
    const { port } = legacy.address() as AddressInfo;
    const socket = connect({ port, host: '127.0.0.1', servername: 'localhost', ca, ...TLS_1_1 });
    await once(socket, 'secureConnect');
    expect(socket.getProtocol()).toBe('TLSv1.1');
    socket.destroy();
    legacy.close();
  });
});

describe('client certificates (mTLS)', () => {
  let required: string;
  let optional: string;

  beforeAll(async () => {
    required = await startService({ clientCertificates: 'required' });
    optional = await startService({ clientCertificates: 'optional' });
  });

  it('required: refuses a client with no certificate', async () => {
    await expectRefusedHandshake(httpsRequest(`${required}/whoami`, { ca }));
  });

  it('required: refuses a client whose certificate is from an unknown CA', async () => {
    await expectRefusedHandshake(httpsRequest(`${required}/whoami`, { ca, ...stranger }));
  });

  it('required: serves a client with a certificate from the configured CA', async () => {
    const answer = await httpsRequest(`${required}/whoami`, { ca, ...client });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ authorized: true, subject: 'billing' });
  });

  it('optional: connects every client and tells the application which ones verified', async () => {
    const none = await httpsRequest(`${optional}/whoami`, { ca });
    expect(JSON.parse(none.body)).toMatchObject({ authorized: false });
    const unknown = await httpsRequest(`${optional}/whoami`, { ca, ...stranger });
    expect(JSON.parse(unknown.body)).toEqual({ authorized: false, subject: 'billing' });
    const known = await httpsRequest(`${optional}/whoami`, { ca, ...client });
    expect(JSON.parse(known.body)).toEqual({ authorized: true, subject: 'billing' });
  });

  it('required: still refuses a client with no certificate after the pair is reloaded', async () => {
    const { service, logs } = testService({
      tls: { ...copyOf(server), clientCertificates: 'required', reloadIntervalMs: 100 },
    });
    services.push(service);
    await service.listen();
    const url = `https://localhost:${service.port}`;
    const certFile = service.config.tls.certFile ?? '';
    // The same bytes under a new inode: a rotation as far as the poll can tell.
    replaceAtomically(certFile, readFileSync(certFile));
    expect(
      await eventually(() => logs.records().some((r) => r.msg === 'TLS certificate reloaded')),
    ).toBe(true);
    await expectRefusedHandshake(httpsRequest(`${url}/live`, { ca }));
    expect((await httpsRequest(`${url}/live`, { ca, ...client })).status).toBe(200);
  });
});

/** A private copy of the server's files, so replacing them affects one service only. */
function copyOf(files: { certFile: string; keyFile: string; caFile: string }) {
  const dir = join(work.dir, `copy-${services.length}`);
  const copy = {
    certFile: join(dir, 'tls.crt'),
    keyFile: join(dir, 'tls.key'),
    caFile: join(dir, 'ca.crt'),
  };
  mkdirSync(dir);
  for (const key of ['certFile', 'keyFile', 'caFile'] as const) copyFileSync(files[key], copy[key]);
  return copy;
}
