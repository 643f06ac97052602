import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { SecureContextOptions } from 'node:tls';
import { ConfigError } from '../errors.js';

/** The files a TLS listener serves from: its pair, and the CA bundle for client certificates. */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
  caFile?: string;
}

/** A pair (and CA bundle) read from disk and checked to belong together. */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
  certificate: X509Certificate;
}

/** What is logged and reported about a certificate: public facts only, never key material. */
export interface CertificateSummary {
  subject: string;
  issuer: string;
  subjectAltName: string | undefined;
  serialNumber: string;
  fingerprint256: string;
  validFrom: string;
  validTo: string;
  /** Seconds until validTo at the time of the call; negative once expired. */
  expiresInSeconds: number;
}

const FILE_SETTINGS = [
  ['certFile', 'tls.certFile'],
  ['keyFile', 'tls.keyFile'],
  ['caFile', 'tls.caFile'],
] as const;

/**
 * Reads the files at startup. Any failure is a ConfigError naming the file: a service that was
 * told to serve HTTPS must not start without it.
 */
export function loadTlsMaterialSync(files: TlsFiles): TlsMaterial {
  const raw: Partial<Record<keyof TlsFiles, Buffer>> = {};
  for (const [field, setting] of FILE_SETTINGS) {
    const path = files[field];
    if (path === undefined) continue;
    try {
      raw[field] = readFileSync(path);
    } catch (error) {
      throw new ConfigError(
        `${setting} ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
        { cause: error },
      );
    }
  }
  return checkedMaterial(raw, files, (message, cause) => new ConfigError(message, { cause }));
}

/** Reads the files again for a reload; throws a plain Error saying what is wrong with them. */
export async function loadTlsMaterial(files: TlsFiles): Promise<TlsMaterial> {
  const [cert, key, ca] = await Promise.all([
    readFile(files.certFile),
    readFile(files.keyFile),
    files.caFile === undefined ? undefined : readFile(files.caFile),
  ]);
  return checkedMaterial(
    { certFile: cert, keyFile: key, caFile: ca },
    files,
    (message, cause) => new Error(message, { cause }),
  );
}

function checkedMaterial(
  raw: Partial<Record<keyof TlsFiles, Buffer>>,
  files: TlsFiles,
  fail: (message: string, cause: unknown) => Error,
): TlsMaterial {
  const { certFile: cert, keyFile: key, caFile: ca } = raw;
  if (cert === undefined || key === undefined) {
    throw fail('tls.certFile and tls.keyFile go together', undefined);
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch (error) {
    throw fail(`tls.certFile ${files.certFile} is not a PEM certificate`, error);
  }
  let matches: boolean;
  try {
    matches = certificate.checkPrivateKey(createPrivateKey(key));
  } catch (error) {
    // The parser's message can quote the file's bytes: it is not repeated here.
    throw fail(`tls.keyFile ${files.keyFile} is not a PEM private key`, error);
  }
  if (!matches) {
    throw fail(
      `tls.keyFile ${files.keyFile} is not the key of the certificate in ${files.certFile}`,
      undefined,
    );
  }
  if (ca !== undefined) {
    try {
      new X509Certificate(ca);
    } catch (error) {
      throw fail(`tls.caFile ${files.caFile} is not a PEM certificate bundle`, error);
    }
  }
  return ca === undefined ? { cert, key, certificate } : { cert, key, ca, certificate };
}

/** The secure-context part of the server options: the pair, the CA bundle, the version floor. */
export function secureContextOptions(
  material: TlsMaterial,
  minVersion: 'TLSv1.2' | 'TLSv1.3',
): SecureContextOptions {
  // Every field, every time: server.setSecureContext() resets whatever it is not given (a
  // reload without `ca` would silently turn mTLS verification off, one without minVersion
  // would fall back to Node's default floor).
  return material.ca === undefined
    ? { cert: material.cert, key: material.key, minVersion }
    : { cert: material.cert, key: material.key, ca: material.ca, minVersion };
}

export function summarize(certificate: X509Certificate, now = Date.now()): CertificateSummary {
  const validTo = new Date(certificate.validTo);
  return {
    subject: certificate.subject.replaceAll('\n', ', '),
    issuer: certificate.issuer.replaceAll('\n', ', '),
    subjectAltName: certificate.subjectAltName,
    serialNumber: certificate.serialNumber,
    fingerprint256: certificate.fingerprint256,
    validFrom: new Date(certificate.validFrom).toISOString(),
    validTo: validTo.toISOString(),
    expiresInSeconds: Math.round((validTo.getTime() - now) / 1000),
  };
}

/**
 * What changes when any of the files is replaced: inode, size and mtime of each, following
 * symlinks. A Kubernetes secret volume swaps a `..data` symlink to a new directory, so the path
 * resolves to a new inode while the old file is never written: the inode catches that even
 * when size and mtime happen to match.
 */
export async function filesSignature(files: TlsFiles): Promise<string> {
  const paths = [files.certFile, files.keyFile, files.caFile].filter((p) => p !== undefined);
  const stats = await Promise.all(paths.map((path) => stat(path)));
  return stats.map((s) => `${s.ino}:${s.size}:${s.mtimeMs}`).join('|');
}

export function filesSignatureSync(files: TlsFiles): string {
  const paths = [files.certFile, files.keyFile, files.caFile].filter((p) => p !== undefined);
  return paths
    .map((path) => statSync(path))
    .map((s) => `${s.ino}:${s.size}:${s.mtimeMs}`)
    .join('|');
}
