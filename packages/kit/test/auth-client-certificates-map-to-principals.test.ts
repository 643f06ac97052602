import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PeerCertificate } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeApiKeyDocument } from '../src/auth/api-keys/index.js';
import { ClientCertificateMap, uriNames } from '../src/auth/client-certificates.js';
import type { Service } from '../src/index.js';
import { documentWithKeys } from './auth-fixtures/api-key-files.js';
import { testService } from './helpers.js';
import { devCertificates, fingerprintOf, httpsRequest, temporaryDir } from './tls-certificates.js';

const work = temporaryDir('bulwark-auth-mtls-');
type Pem = { cert: string; key: string };
let ca: string;
let billing: Pem;
let reports: Pem;
let pinned: Pem;
let unmapped: Pem;
let stranger: Pem;
let apiKey: string;
let service: Service;
let url: string;

const read = (c: { certFile: string; keyFile: string }): Pem => ({
  cert: readFileSync(c.certFile, 'utf8'),
  key: readFileSync(c.keyFile, 'utf8'),
});

beforeAll(async () => {
  const ours = await devCertificates(join(work.dir, 'ours'), {
    clients: ['billing', 'reports', 'pinned', 'unmapped'],
  });
  // The same client name, from a CA the service does not trust.
  const theirs = await devCertificates(join(work.dir, 'theirs'), { clients: ['billing'] });
  const [serverCert] = ours.services;
  if (!serverCert) throw new Error('no server certificate');
  ca = readFileSync(ours.ca.certFile, 'utf8');
  [billing, reports, pinned, unmapped] = ours.clients.map(read) as [Pem, Pem, Pem, Pem];
  stranger = read(theirs.clients[0] as { certFile: string; keyFile: string });

  const keysFile = join(work.dir, 'api-keys.json');
  const made = documentWithKeys([{ subject: 'key-holder', scopes: [] }]);
  apiKey = made.keys[0] as string;
  await writeApiKeyDocument(keysFile, made.document);

  ({ service } = testService({
    tls: {
      certFile: serverCert.certFile,
      keyFile: serverCert.keyFile,
      caFile: ours.ca.certFile,
      clientCertificates: 'optional',
    },
    auth: {
      mode: 'required',
      apiKeys: { source: keysFile, reloadIntervalMs: 0 },
      clientCertificates: [
        { uri: 'spiffe://bulwark.local/billing', subject: 'billing', scopes: ['ledger:write'] },
        { commonName: 'reports', subject: 'reports-job', scopes: ['ledger:read'] },
        { fingerprint256: fingerprintOf(pinned.cert), subject: 'pinned-client', scopes: [] },
      ],
    },
  }));
  service.app.get('/whoami', async (request) => ({ principal: request.principal }));
  service.app.get('/ledger', { config: { auth: { scopes: ['ledger:write'] } } }, async () => ({}));
  await service.listen();
  url = `https://localhost:${service.port}`;
});
afterAll(async () => {
  await service?.shutdown();
  work.remove();
});

const principalOf = (body: string) => (JSON.parse(body) as { principal: unknown }).principal;

describe('mTLS client certificates map to principals', () => {
  it('by URI SAN (SPIFFE id), common name, or fingerprint', async () => {
    const asBilling = await httpsRequest(`${url}/whoami`, { ca, ...billing });
    expect(asBilling.status, asBilling.body).toBe(200);
    expect(principalOf(asBilling.body)).toEqual({
      subject: 'billing',
      kind: 'client-certificate',
      scopes: ['ledger:write'],
    });
    const asReports = await httpsRequest(`${url}/whoami`, { ca, ...reports });
    expect(principalOf(asReports.body)).toMatchObject({ subject: 'reports-job' });
    const asPinned = await httpsRequest(`${url}/whoami`, { ca, ...pinned });
    expect(principalOf(asPinned.body)).toMatchObject({ subject: 'pinned-client' });
  });

  it("the mapping's scopes decide routes: 200 for the scope's holder, 403 for the rest", async () => {
    expect((await httpsRequest(`${url}/ledger`, { ca, ...billing })).status).toBe(200);
    const refused = await httpsRequest(`${url}/ledger`, { ca, ...reports });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'BW_FORBIDDEN' });
  });

  it('a verified but unmapped certificate is no credential: other credentials decide', async () => {
    const alone = await httpsRequest(`${url}/whoami`, { ca, ...unmapped });
    expect(alone.status).toBe(401);
    expect(alone.headers['content-type']).toMatch(/problem\+json/);
    const withKey = await httpsRequest(`${url}/whoami`, {
      ca,
      ...unmapped,
      headers: { 'x-api-key': apiKey },
    });
    expect(principalOf(withKey.body)).toMatchObject({ subject: 'key-holder', kind: 'api-key' });
  });

  it('a certificate from an untrusted CA never maps, whatever it names', async () => {
    const answer = await httpsRequest(`${url}/whoami`, { ca, ...stranger });
    expect(answer.status).toBe(401);
    const withKey = await httpsRequest(`${url}/whoami`, {
      ca,
      ...stranger,
      headers: { 'x-api-key': apiKey },
    });
    expect(principalOf(withKey.body)).toMatchObject({ subject: 'key-holder' });
  });

  it('without a client certificate the API key is used', async () => {
    const answer = await httpsRequest(`${url}/whoami`, { ca, headers: { 'x-api-key': apiKey } });
    expect(principalOf(answer.body)).toMatchObject({ subject: 'key-holder' });
    expect((await httpsRequest(`${url}/whoami`, { ca })).status).toBe(401);
  });
});

describe('matching rules', () => {
  const certificate = (fields: Partial<PeerCertificate>) =>
    ({ fingerprint256: 'AA:BB', subject: { CN: 'billing' }, ...fields }) as PeerCertificate;

  it('an entry naming several fields matches only when all of them do', () => {
    const map = new ClientCertificateMap([
      { commonName: 'billing', uri: 'spiffe://td/billing', subject: 'both', scopes: [] },
    ]);
    expect(
      map.principalFor(certificate({ subjectaltname: 'URI:spiffe://td/billing' }))?.subject,
    ).toBe('both');
    expect(
      map.principalFor(certificate({ subjectaltname: 'URI:spiffe://td/other' })),
    ).toBeUndefined();
    expect(
      map.principalFor(
        certificate({
          subject: { CN: 'other' } as never,
          subjectaltname: 'URI:spiffe://td/billing',
        }),
      ),
    ).toBeUndefined();
  });

  it("reads Node's quoted SAN entries, so one entry cannot pass for two", () => {
    expect(uriNames('DNS:a.test, URI:spiffe://td/x, IP Address:127.0.0.1')).toEqual([
      'spiffe://td/x',
    ]);
    expect(uriNames('URI:"spiffe://td/a, URI:spiffe://td/admin"')).toEqual([
      'spiffe://td/a, URI:spiffe://td/admin',
    ]);
    expect(uriNames(undefined)).toEqual([]);
  });
});
