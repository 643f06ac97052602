import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import type { AltName } from './x509-issuer.js';

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

/** A pair on disk that parses and whose key matches its certificate. */
export interface LoadedPair {
  certPem: string;
  keyPem: string;
  cert: X509Certificate;
}

/** What a certificate on disk must still be to be kept. */
export interface Expectation {
  kind: 'ca' | 'server' | 'client';
  /** Not kept when it expires before this instant (now plus the renewal window). */
  validUntil: Date;
  /** The issuing CA, for server and client certificates. */
  ca?: X509Certificate;
  altNames?: readonly AltName[];
}

/** The pair at these paths, or why it cannot be used: missing, unreadable, not a pair. */
export async function loadPair(
  certFile: string,
  keyFile: string,
): Promise<LoadedPair | { missing: string }> {
  let certPem: string;
  let keyPem: string;
  try {
    [certPem, keyPem] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { missing: code === 'ENOENT' ? 'missing' : `unreadable (${code})` };
  }
  try {
    const cert = new X509Certificate(certPem);
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) {
      return { missing: 'the key does not match the certificate' };
    }
    return { certPem, keyPem, cert };
  } catch {
    return { missing: 'not a PEM certificate and key' };
  }
}

/** Why a loaded certificate must be remade, or undefined when it can be kept. */
export function renewalReason(cert: X509Certificate, expected: Expectation): string | undefined {
  if (new Date(cert.validTo).getTime() <= expected.validUntil.getTime()) {
    return `expires ${new Date(cert.validTo).toISOString()}`;
  }
  if (expected.kind === 'ca') return cert.ca ? undefined : 'not a CA certificate';
  if (cert.ca) return 'is a CA certificate';
  const ca = expected.ca;
  if (ca === undefined || !cert.checkIssued(ca) || !cert.verify(ca.publicKey)) {
    return 'not issued by the current CA';
  }
  const usage = expected.kind === 'server' ? SERVER_AUTH : CLIENT_AUTH;
  if (!(cert.keyUsage ?? []).includes(usage)) return `lacks the ${expected.kind}Auth key usage`;
  if (!namesExactly(cert, expected.altNames ?? [])) return 'its names differ from those asked for';
  return undefined;
}

/**
 * True when the certificate covers every name asked for and no other. Node's own matching
 * (checkHost, checkIP) is used rather than comparing subjectAltName text, whose IPv6 spelling is
 * OpenSSL's (0:0:0:0:0:0:0:1, not ::1).
 */
function namesExactly(cert: X509Certificate, names: readonly AltName[]): boolean {
  const present = cert.subjectAltName?.split(', ') ?? [];
  if (present.length !== names.length) return false;
  return names.every(({ type, value }) => {
    if (type === 'ip') return isIP(value) !== 0 && cert.checkIP(value) !== undefined;
    if (type === 'dns') return cert.checkHost(value, { wildcards: false }) !== undefined;
    return present.includes(`URI:${value}`);
  });
}
