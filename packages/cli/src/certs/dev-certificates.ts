import { chmod, mkdir, open, rename, rm } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { UsageError } from '../exit-codes.js';
import {
  type Expectation,
  type LoadedPair,
  loadPair,
  renewalReason,
} from './existing-certificate.js';
import {
  type AltName,
  issueCertificateAuthority,
  issueLeafCertificate,
  type PemPair,
  type Validity,
} from './x509-issuer.js';

export const DEV_CERTS_DIR = '.bulwark/tls';
export const DEFAULT_DEV_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '::1'];
export const DEFAULT_DEV_SERVICES: readonly string[] = ['server'];
/** Client certificates carry this SPIFFE id: spiffe://bulwark.local/<name>. */
export const DEV_TRUST_DOMAIN = 'bulwark.local';
/** A certificate expiring sooner than this is remade. */
export const RENEW_WITHIN_DAYS = 14;

const DAY_MS = 86_400_000;
const CA_DAYS = 365;
const LEAF_DAYS = 90;
/** notBefore is backdated a little, so a peer whose clock runs behind accepts a new certificate. */
const BACKDATE_MS = 5 * 60_000;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const DNS_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

export interface DevCertificatesOptions {
  /** Where the files go; made (0700) if missing. Default .bulwark/tls, from the working dir. */
  dir?: string;
  /** DNS names and IP addresses every server certificate is valid for. */
  hosts?: readonly string[];
  /** One server certificate per name: <name>.pem and <name>-key.pem. */
  services?: readonly string[];
  /** One mTLS client certificate per name (CN=name, URI SAN spiffe://bulwark.local/<name>). */
  clients?: readonly string[];
  /** Remake everything, the CA included, even when still valid. */
  force?: boolean;
  /** The current time; for tests of renewal. */
  now?: Date;
}

export type CertificateAction = 'created' | 'renewed' | 'kept';

export interface DevCertificate {
  name: string;
  kind: 'ca' | 'server' | 'client';
  certFile: string;
  keyFile: string;
  action: CertificateAction;
  /** Why an existing certificate was remade. */
  reason?: string;
  notAfter: string;
  serialNumber: string;
  fingerprint256: string;
}

export interface DevCertificates {
  dir: string;
  ca: DevCertificate;
  services: DevCertificate[];
  clients: DevCertificate[];
}

/**
 * Makes (once) a local CA and, signed by it, a server certificate per service and a client
 * certificate per client, for development and tests. Idempotent: a certificate that is still
 * valid, issued by the current CA, for the names asked, and not within RENEW_WITHIN_DAYS of
 * expiry is kept; anything else is remade, and a remade CA remakes everything it signed. Files
 * are replaced by rename, so a server watching them never reads one half-written.
 *
 * Throws UsageError for bad input (a name or host that cannot be used), naming it.
 */
export async function ensureDevCertificates(
  options: DevCertificatesOptions = {},
): Promise<DevCertificates> {
  const dir = resolve(options.dir ?? DEV_CERTS_DIR);
  const hosts = serverAltNames(options.hosts ?? DEFAULT_DEV_HOSTS);
  const services = uniqueNames(options.services ?? DEFAULT_DEV_SERVICES, '--service');
  const clients = uniqueNames(options.clients ?? [], '--client');
  const clash = services.find((name) => clients.includes(name));
  if (clash !== undefined) {
    throw new UsageError(`"${clash}" is both a service and a client; their files would collide`);
  }
  const now = options.now ?? new Date();
  const validUntil = new Date(now.getTime() + RENEW_WITHIN_DAYS * DAY_MS);
  const forced = options.force === true ? 'forced' : undefined;
  await mkdir(dir, { recursive: true, mode: 0o700 });

  const ca = await ensurePair({
    dir,
    name: 'ca',
    remakeBecause: forced,
    expected: { kind: 'ca', validUntil },
    issue: () => issueCertificateAuthority('Bulwark development CA', validity(now, CA_DAYS)),
  });
  // A new CA invalidates every certificate the old one signed.
  const remakeLeaves = forced ?? (ca.record.action === 'kept' ? undefined : 'the CA was remade');
  // A leaf never outlives its CA: past the CA's expiry it would not verify anyway.
  const caNotAfter = new Date(ca.pair.cert.validTo);
  const leafValidity = (): Validity => {
    const wanted = validity(now, LEAF_DAYS);
    if (wanted.notAfter > caNotAfter) wanted.notAfter = caNotAfter;
    return wanted;
  };
  const leaf = async (name: string, usage: 'server' | 'client', altNames: readonly AltName[]) =>
    (
      await ensurePair({
        dir,
        name,
        remakeBecause: remakeLeaves,
        expected: { kind: usage, validUntil, ca: ca.pair.cert, altNames },
        issue: () =>
          issueLeafCertificate({
            ca: ca.pair,
            commonName: name,
            usage,
            altNames,
            validity: leafValidity(),
          }),
      })
    ).record;

  const issuedServices: DevCertificate[] = [];
  for (const name of services) issuedServices.push(await leaf(name, 'server', hosts));
  const issuedClients: DevCertificate[] = [];
  for (const name of clients) {
    issuedClients.push(
      await leaf(name, 'client', [{ type: 'url', value: `spiffe://${DEV_TRUST_DOMAIN}/${name}` }]),
    );
  }
  return { dir, ca: ca.record, services: issuedServices, clients: issuedClients };
}

interface PairRequest {
  dir: string;
  name: string;
  /** Remade even when still valid, for this reason (forced, a new CA). */
  remakeBecause: string | undefined;
  expected: Expectation;
  issue: () => Promise<PemPair>;
}

async function ensurePair(
  request: PairRequest,
): Promise<{ pair: LoadedPair; record: DevCertificate }> {
  const { dir, name, expected } = request;
  const certFile = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}-key.pem`);
  const files = { name, certFile, keyFile };
  const existing = await loadPair(certFile, keyFile);
  let reason: string | undefined;
  if ('missing' in existing) {
    reason = existing.missing === 'missing' ? undefined : existing.missing;
  } else {
    reason = request.remakeBecause ?? renewalReason(existing.cert, expected);
    if (reason === undefined) {
      // Kept as it is, but a key file someone loosened is tightened again.
      await chmod(keyFile, 0o600);
      return { pair: existing, record: describe(existing, files, expected.kind, 'kept') };
    }
  }
  const issued = await request.issue();
  // The key first: a server reloading between the two renames sees a mismatched pair, which
  // it refuses and retries, rather than a new certificate it has no key for.
  await replaceFile(keyFile, issued.keyPem, 0o600);
  await replaceFile(certFile, issued.certPem, 0o644);
  const loaded = await loadPair(certFile, keyFile);
  if ('missing' in loaded) throw new Error(`${certFile}: the pair just written ${loaded.missing}`);
  // A pair that was there but unusable (corrupt, mismatched) counts as renewed, with its reason.
  const action: CertificateAction = reason === undefined ? 'created' : 'renewed';
  const record = describe(loaded, files, expected.kind, action);
  if (reason !== undefined) record.reason = reason;
  return { pair: loaded, record };
}

function describe(
  pair: LoadedPair,
  files: { name: string; certFile: string; keyFile: string },
  kind: DevCertificate['kind'],
  action: CertificateAction,
): DevCertificate {
  return {
    ...files,
    kind,
    action,
    notAfter: new Date(pair.cert.validTo).toISOString(),
    serialNumber: pair.cert.serialNumber,
    fingerprint256: pair.cert.fingerprint256,
  };
}

/** Writes a sibling temporary file with its final mode, then renames it over `path`. */
async function replaceFile(path: string, content: string, mode: number): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  const handle = await open(temporary, 'w', mode);
  try {
    await handle.writeFile(content);
    await handle.chmod(mode);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

function validity(now: Date, days: number): Validity {
  return {
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + days * DAY_MS),
  };
}

function uniqueNames(names: readonly string[], flag: string): string[] {
  const unique = [...new Set(names)];
  for (const name of unique) {
    if (!NAME.test(name) || name === 'ca') {
      throw new UsageError(
        `${flag} ${JSON.stringify(name.slice(0, 64))} is not a usable name: letters, digits, . _ - (at most 63), and not "ca"`,
      );
    }
  }
  return unique;
}

function serverAltNames(hosts: readonly string[]): AltName[] {
  if (hosts.length === 0) throw new UsageError('--hosts needs at least one name or address');
  const names = new Map<string, AltName>();
  for (const host of hosts) {
    const altName = altNameOf(host.trim());
    names.set(`${altName.type}:${altName.value}`, altName);
  }
  return [...names.values()];
}

function altNameOf(host: string): AltName {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIP(bare) !== 0) return { type: 'ip', value: bare };
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name.length <= 253 && name.split('.').every((label) => DNS_LABEL.test(label))) {
    return { type: 'dns', value: name };
  }
  throw new UsageError(
    `--hosts ${JSON.stringify(host.slice(0, 64))} is neither a DNS name nor an IP address`,
  );
}
